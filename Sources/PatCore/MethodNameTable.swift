/// A method name as a request gives it, checked and hashed in one pass over its UTF-8 bytes: three non-empty
/// `[A-Za-z0-9_]` parts, not the `env.` alias (which is normalised first). The hash ignores ASCII case, so the
/// same key finds `environment.Control.StopEnv` and the URL form's `environment.control.stopenv` alike.
public struct MethodKey: Sendable {
    public let text: String
    let hash: UInt64

    public init?(_ text: String) {
        guard let hash = Self.scan(text) else { return nil }
        self.text = text
        self.hash = hash
    }

    /// FNV-1a over the lower-cased bytes, or nil unless the name is well formed.
    private static func scan(_ text: String) -> UInt64? {
        let scanned = text.utf8.withContiguousStorageIfAvailable { scan($0) }
        return scanned ?? scan(Array(text.utf8))
    }

    private static func scan(_ bytes: [UInt8]) -> UInt64? { bytes.withUnsafeBufferPointer { scan($0) } }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard bytes.count >= 5, bytes.count <= 200 else { return nil }
        if (bytes[0] | 0x20) == UInt8(ascii: "e"), (bytes[1] | 0x20) == UInt8(ascii: "n"),
           (bytes[2] | 0x20) == UInt8(ascii: "v"), bytes[3] == UInt8(ascii: ".") { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var dots = 0
        var partLength = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                guard partLength > 0 else { return nil }
                dots += 1
                partLength = 0
            case 65...90:
                partLength += 1
                hash = (hash ^ UInt64(byte | 0x20)) &* 0x100_0000_01b3
                continue
            case 48...57, 97...122, 95: partLength += 1
            default: return nil
            }
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return dots == 2 && partLength > 0 ? hash : nil
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
        let lowered: [[UInt8]]
        let hashes: [UInt64]
        /// Index into `names` plus one; zero is an empty slot.
        let slots: [Int32]

        init(names: [String], lowered: [[UInt8]], hashes: [UInt64], slots: [Int32]) {
            self.names = names
            self.lowered = lowered
            self.hashes = hashes
            self.slots = slots
        }
    }

    private let storage: Storage

    /// Canonical spellings, in the order given (duplicates ignoring case dropped).
    public var names: [String] { storage.names }

    public init(_ methods: [String]) {
        var names: [String] = []
        var lowered: [[UInt8]] = []
        var hashes: [UInt64] = []
        var capacity = 8
        while capacity < methods.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for method in methods {
            guard let key = MethodKey(method) else { continue }  // validation happens where tokens are written
            let bytes = method.utf8.map { (65...90).contains($0) ? $0 | 0x20 : $0 }
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            var duplicate = false
            while slots[slot] != 0 {
                let index = Int(slots[slot]) - 1
                if hashes[index] == key.hash, lowered[index] == bytes { duplicate = true; break }
                slot = (slot + 1) & mask
            }
            if duplicate { continue }
            names.append(method)
            lowered.append(bytes)
            hashes.append(key.hash)
            slots[slot] = Int32(names.count)
        }
        storage = Storage(names: names, lowered: lowered, hashes: hashes, slots: slots)
    }

    public var count: Int { storage.names.count }

    /// The canonical spelling of the method the key names, if the table holds it.
    public func canonical(_ key: MethodKey) -> String? {
        guard let index = index(of: key) else { return nil }
        return storage.names[index]
    }

    public func contains(_ key: MethodKey) -> Bool { index(of: key) != nil }

    func index(of key: MethodKey) -> Int? {
        let (slots, hashes, lowered) = (storage.slots, storage.hashes, storage.lowered)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if hashes[entry - 1] == key.hash, matches(lowered[entry - 1], key.text) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Case-blind equality of a well-formed name with stored lower-case bytes.
    private func matches(_ stored: [UInt8], _ text: String) -> Bool {
        func compare(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard bytes.count == stored.count else { return false }
            return stored.withUnsafeBufferPointer { stored in
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    if ((65...90).contains(byte) ? byte | 0x20 : byte) != stored[index] { return false }
                }
                return true
            }
        }
        return text.utf8.withContiguousStorageIfAvailable(compare) ?? Array(text.utf8).withUnsafeBufferPointer(compare)
    }

    public static func == (lhs: MethodNameTable, rhs: MethodNameTable) -> Bool { lhs.storage === rhs.storage || lhs.names == rhs.names }
}
