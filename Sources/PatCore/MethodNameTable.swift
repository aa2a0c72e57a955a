/// A method name as a request gives it, checked in one pass over its UTF-8 bytes: three non-empty `[A-Za-z0-9_]`
/// parts, not the `env.` alias (which is normalised first). Its hash ignores ASCII case, so the same key finds
/// `environment.Control.StopEnv` and the URL form's `environment.control.stopenv` alike.
///
/// Case is folded by setting bit 0x20 of every byte: that lower-cases letters and leaves digits and `.` alone, and the
/// only other character, `_`, becomes DEL, which no name contains; so two names are equal ignoring case exactly when
/// their folded bytes are equal, and both hashing and comparing can take eight bytes at a time.
public struct MethodKey: Sendable {
    public let text: String
    let hash: UInt64

    public init?(_ text: String) {
        guard let hash = text.utf8.withContiguousStorageIfAvailable(Self.scan) ?? Array(text.utf8).withUnsafeBufferPointer(Self.scan)
        else { return nil }
        self.text = text
        self.hash = hash
    }

    /// The hash of the folded bytes, or nil unless the name is well formed.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard bytes.count >= 5, bytes.count <= 200 else { return nil }
        if (bytes[0] | 0x20) == UInt8(ascii: "e"), (bytes[1] | 0x20) == UInt8(ascii: "n"),
           (bytes[2] | 0x20) == UInt8(ascii: "v"), bytes[3] == UInt8(ascii: ".") { return nil }
        var dots = 0
        var partLength = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                guard partLength > 0 else { return nil }
                dots += 1
                partLength = 0
            case 48...57, 65...90, 97...122, 95: partLength += 1
            default: return nil
            }
        }
        guard dots == 2, partLength > 0 else { return nil }
        return hash(folded: bytes)
    }

    /// Three eight-byte words (start, middle, end; they may overlap) and the length, mixed. Names that share all
    /// three only cost a longer probe: lookups compare the whole name.
    static func hash(folded bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        var h = UInt64(count) &* 0x9E37_79B9_7F4A_7C15
        h ^= word(bytes, 0) &* 0xC2B2_AE3D_27D4_EB4F
        h = (h << 31 | h >> 33) ^ word(bytes, max(0, (count - 8) / 2)) &* 0x1656_67B1_9E37_79F9
        h = (h << 27 | h >> 37) ^ word(bytes, max(0, count - 8)) &* 0x85EB_CA77_C2B2_AE63
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }

    /// Up to eight bytes from `offset`, case-folded, little-endian.
    @inline(__always)
    static func word(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        if bytes.count - offset >= 8 {
            return UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self) | 0x2020_2020_2020_2020
        }
        var value: UInt64 = 0
        for index in offset..<bytes.count { value |= UInt64(bytes[index] | 0x20) << (8 * UInt64(index - offset)) }
        return value
    }
}

/// Method names looked up by `MethodKey`, ignoring ASCII case, giving back the canonical spelling. Lookups hash
/// nothing twice and allocate nothing: this runs on every request, for a token's granted methods and for the
/// catalog that names a refused permission. Open addressing over a power-of-two slot array.
/// Its arrays live in one immutable object, so copying a token's grant retains one reference, not four.
public struct MethodNameTable: Sendable, Equatable {
    private final class Storage: Sendable {
        /// Canonical spellings, in the order given (duplicates ignoring case dropped).
        let names: [String]
        /// The names with case folded (see `MethodKey`).
        let folded: [[UInt8]]
        let hashes: [UInt64]
        /// Index into `names` plus one; zero is an empty slot.
        let slots: [Int32]

        init(names: [String], folded: [[UInt8]], hashes: [UInt64], slots: [Int32]) {
            self.names = names
            self.folded = folded
            self.hashes = hashes
            self.slots = slots
        }
    }

    private let storage: Storage

    /// Canonical spellings, in the order given (duplicates ignoring case dropped).
    public var names: [String] { storage.names }

    public init(_ methods: [String]) {
        var names: [String] = []
        var folded: [[UInt8]] = []
        var hashes: [UInt64] = []
        var capacity = 8
        while capacity < methods.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for method in methods {
            guard let key = MethodKey(method) else { continue }  // validation happens where tokens are written
            let bytes = method.utf8.map { $0 | 0x20 }
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            var duplicate = false
            while slots[slot] != 0 {
                let index = Int(slots[slot]) - 1
                if hashes[index] == key.hash, folded[index] == bytes { duplicate = true; break }
                slot = (slot + 1) & mask
            }
            if duplicate { continue }
            names.append(method)
            folded.append(bytes)
            hashes.append(key.hash)
            slots[slot] = Int32(names.count)
        }
        storage = Storage(names: names, folded: folded, hashes: hashes, slots: slots)
    }

    public var count: Int { storage.names.count }

    /// The canonical spelling of the method the key names, if the table holds it.
    public func canonical(_ key: MethodKey) -> String? {
        guard let index = index(of: key) else { return nil }
        return storage.names[index]
    }

    public func contains(_ key: MethodKey) -> Bool { index(of: key) != nil }

    func index(of key: MethodKey) -> Int? {
        let (slots, hashes, folded) = (storage.slots, storage.hashes, storage.folded)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if hashes[entry - 1] == key.hash, matches(folded[entry - 1], key.text) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Equality of a well-formed name, folded, with stored folded bytes, eight bytes at a time.
    private func matches(_ stored: [UInt8], _ text: String) -> Bool {
        func compare(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard bytes.count == stored.count else { return false }
            return stored.withUnsafeBufferPointer { stored in
                var offset = 0
                while offset < bytes.count {
                    if MethodKey.word(bytes, offset) != MethodKey.word(stored, offset) { return false }
                    offset += 8
                }
                return true
            }
        }
        return text.utf8.withContiguousStorageIfAvailable(compare) ?? Array(text.utf8).withUnsafeBufferPointer(compare)
    }

    public static func == (lhs: MethodNameTable, rhs: MethodNameTable) -> Bool { lhs.storage === rhs.storage || lhs.names == rhs.names }
}
