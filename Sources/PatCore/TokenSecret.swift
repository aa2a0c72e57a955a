import Crypto
import Foundation

/// The token value a client presents: `<prefix>_<43 base62 random><6 base62 CRC32 of what precedes>`.
///
/// 43 characters drawn uniformly from 62 carry 256.03 bits. The checksum is no security measure: it lets
/// scanners and the verifier reject typos and junk before any lookup.
public struct TokenSecret: Sendable {
    public static let randomLength = 43
    public static let checksumLength = 6
    /// Longest value pat will hash: a prefix of at most 16 characters plus the fixed parts.
    public static let maximumLength = 16 + 1 + randomLength + checksumLength

    /// The full value. Never log it.
    public let value: String

    /// A new value from the system's CSPRNG.
    public static func generate(prefix: String) -> TokenSecret {
        var generator = SystemRandomNumberGenerator()
        return generate(prefix: prefix, using: &generator)
    }

    public static func generate<R: RandomNumberGenerator>(prefix: String, using generator: inout R) -> TokenSecret {
        // Eight random bytes per draw; a byte below 248 (= 4 * 62) gives a uniform digit, the rest are rejected.
        var digits: [Character] = []
        digits.reserveCapacity(randomLength)
        while digits.count < randomLength {
            var word = generator.next()
            for _ in 0..<8 where digits.count < randomLength {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 248 { digits.append(Base62.alphabet[Int(byte % 62)]) }
            }
        }
        let body = String(digits)
        let head = prefix + "_" + body
        return TokenSecret(value: head + checksum(of: head))
    }

    static func checksum(of head: String) -> String {
        Base62.encode(UInt64(CRC32.checksum(head.utf8)), width: checksumLength)
    }

    /// Checks shape and checksum only; says nothing about whether the token was ever issued.
    /// Runs on every request, so it works on the UTF-8 bytes and allocates nothing.
    public static func parse(_ presented: String, expectedPrefix: String? = nil) -> Result<TokenSecret, TokenFormatError> {
        var text = presented
        let failure: TokenFormatError? = text.withUTF8 { bytes in
            guard bytes.count <= maximumLength else { return .tooLong }
            // The usual case, a value with the expected prefix: its separator's place is known, and the prefix
            // (checked when the store was made) need not be checked character by character.
            if let expectedPrefix, let separator = expectedPrefix.utf8.withContiguousStorageIfAvailable({ wanted -> Int? in
                let place = wanted.count
                guard bytes.count == place + 1 + randomLength + checksumLength, bytes[place] == UInt8(ascii: "_"),
                      memcmp(wanted.baseAddress!, bytes.baseAddress!, place) == 0 else { return nil }
                return place
            }) ?? nil {
                return checkBody(bytes, separator: separator)
            }
            guard let separator = bytes.lastIndex(of: UInt8(ascii: "_")) else { return .missingPrefix }
            guard (1...16).contains(separator) else { return .missingPrefix }
            let prefixValid = Base62.values.withUnsafeBufferPointer { values in
                (0..<separator).allSatisfy { values[Int(bytes[$0])] != 0xFF }
            }
            guard bytes.count - separator - 1 == randomLength + checksumLength else { return prefixValid ? .badBody : .missingPrefix }
            if let expectedPrefix {
                var wanted = expectedPrefix
                let matches = wanted.withUTF8 { wanted in
                    wanted.count == separator && memcmp(wanted.baseAddress!, bytes.baseAddress!, separator) == 0
                }
                if !matches { return prefixValid ? .wrongPrefix : .missingPrefix }
            }
            guard prefixValid else { return .missingPrefix }
            return checkBody(bytes, separator: separator)
        }
        if let failure { return .failure(failure) }
        return .success(TokenSecret(value: text))
    }

    /// Every character after the separator a base62 digit, and the last six, decoded, the CRC32 of what precedes.
    private static func checkBody(_ bytes: UnsafeBufferPointer<UInt8>, separator: Int) -> TokenFormatError? {
        let checksumStart = bytes.count - checksumLength
        // One table fetch, one pass: every character a digit, and the last six decoded as the checksum.
        let (valid, expected) = Base62.values.withUnsafeBufferPointer { values -> (Bool, UInt64) in
            var valid = true
            for index in (separator + 1)..<checksumStart where values[Int(bytes[index])] == 0xFF { valid = false }
            var expected: UInt64 = 0
            for index in checksumStart..<bytes.count {
                let digit = values[Int(bytes[index])]
                if digit == 0xFF { valid = false }
                expected = expected &* 62 &+ UInt64(digit)
            }
            return (valid, expected)
        }
        guard valid else { return .badBody }
        let actual = CRC32.checksum(buffer: UnsafeBufferPointer(rebasing: bytes[..<checksumStart]))
        return expected == UInt64(actual) ? nil : .badChecksum
    }

    public var digest: SHA256.Digest {
        var text = value
        return text.withUTF8 { SHA256.hash(data: $0) }
    }

    /// How the value's hash is written in token files.
    public var hashField: String { TokenHash(digest: digest).description }
}

public enum TokenFormatError: Error, Equatable, Sendable {
    case tooLong, missingPrefix, wrongPrefix, badBody, badChecksum

    public var message: String {
        switch self {
        case .tooLong: "the token is longer than any pat token"
        case .missingPrefix: "the token has no valid prefix (expected PREFIX_...)"
        case .wrongPrefix: "the token's prefix is not this store's"
        case .badBody: "the token's body is not \(TokenSecret.randomLength + TokenSecret.checksumLength) base62 characters"
        case .badChecksum: "the token's checksum does not match (a typo or a truncated token)"
        }
    }
}

/// `sha256:<64 lower-case hex>`, the only trace of a secret that pat ever writes.
public struct TokenHash: Hashable, Sendable, CustomStringConvertible {
    public let digest: SHA256.Digest

    public init(digest: SHA256.Digest) { self.digest = digest }

    public init?(_ text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = Array(text.utf8.dropFirst(7))
        guard hex.count == 64 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = Hex.value(hex[index]), let low = Hex.value(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard let digest = SHA256.Digest(bytes: bytes) else { return nil }
        self.digest = digest
    }

    public var description: String { "sha256:" + Hex.encode(digest) }
}

extension SHA256.Digest {
    /// Rebuilds a digest from its 32 raw bytes (the type has no public initialiser).
    init?(bytes: [UInt8]) {
        // The layout is the digest's 32 bytes and nothing else; a test round-trips it.
        guard bytes.count == SHA256.Digest.byteCount, MemoryLayout<SHA256.Digest>.size == bytes.count else { return nil }
        let digest = bytes.withUnsafeBytes { raw in raw.load(as: SHA256.Digest.self) }
        self = digest
    }
}

public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hex digits only, so that one hash has one spelling.
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        default: nil
        }
    }
}
