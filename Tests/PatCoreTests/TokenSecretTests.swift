import Crypto
import Foundation
import Testing
@testable import PatCore

@Suite struct TokenSecretTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    /// Four bytes per step must equal the plain bytewise definition at every length and alignment.
    @Test func slicedCRC32EqualsTheBytewiseOne() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            #expect(CRC32.checksum(bytes) == crc ^ 0xFFFF_FFFF, "length \(length)")
        }
    }

    @Test(arguments: [(UInt64(0), "000000"), (61, "00000z"), (62, "000010"), (UInt64(UInt32.max), "4gfFC3")])
    func base62PadsToWidth(value: UInt64, expected: String) {
        #expect(Base62.encode(value, width: 6) == expected)
    }

    @Test func generatedValuesHaveTheDocumentedShape() throws {
        let secret = TokenSecret.generate(prefix: "pat")
        #expect(secret.value.hasPrefix("pat_"))
        #expect(secret.value.count == 4 + 43 + 6)
        let parsed = try TokenSecret.parse(secret.value, expectedPrefix: "pat").get()
        #expect(parsed.digest == secret.digest)
        #expect(secret.hashField == "sha256:" + Hex.encode(SHA256.hash(data: Array(secret.value.utf8))))
    }

    @Test func generatedValuesDiffer() {
        let values = Set((0..<200).map { _ in TokenSecret.generate(prefix: "pat").value })
        #expect(values.count == 200)
    }

    @Test func everyCharacterOfTheBodyIsUsed() {
        // 62 symbols over 2000 * 43 draws: a biased or truncated alphabet would leave some unseen.
        var seen = Set<Character>()
        for _ in 0..<2000 { seen.formUnion(TokenSecret.generate(prefix: "p").value.dropFirst(2).dropLast(6)) }
        #expect(seen.count == 62)
    }

    @Test func aSingleTypoIsCaughtByTheChecksum() {
        let value = TokenSecret.generate(prefix: "pat").value
        var characters = Array(value)
        characters[10] = characters[10] == "a" ? "b" : "a"
        #expect(TokenSecret.parse(String(characters)).failure == .badChecksum)
    }

    static let malformed: [(String, TokenFormatError)] = [
        ("", .missingPrefix),
        ("nounderscore", .missingPrefix),
        ("pat_short", .badBody),
        ("pa-t_" + String(repeating: "a", count: 49), .missingPrefix),
        ("pat_" + String(repeating: "a", count: 48) + "!", .badBody),
        ("pat_" + String(repeating: "a", count: 200), .tooLong),
    ]

    @Test(arguments: malformed)
    func malformedValuesAreRejectedBeforeAnyLookup(value: String, expected: TokenFormatError) {
        #expect(TokenSecret.parse(value).failure == expected)
    }

    @Test func theExpectedPrefixIsEnforced() {
        let value = TokenSecret.generate(prefix: "acme").value
        #expect(TokenSecret.parse(value, expectedPrefix: "pat").failure == .wrongPrefix)
        #expect(TokenSecret.parse(value, expectedPrefix: "acme").failure == nil)
    }

    @Test func hashFieldsRoundTripThroughDigests() throws {
        let secret = TokenSecret.generate(prefix: "pat")
        let parsed = try #require(TokenHash(secret.hashField))
        #expect(parsed.digest == secret.digest)
        #expect(parsed.description == secret.hashField)
    }

    @Test(arguments: ["", "sha1:abc", "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "a", count: 63)])
    func badHashFieldsAreRefused(text: String) {
        #expect(TokenHash(text) == nil)
    }

    @Test func tokenIDsAreShardedByTheirFirstTwoCharacters() throws {
        let id = try #require(TokenID("0123456789abcdef"))
        #expect(id.path == "tokens/01/0123456789abcdef.json")
        #expect(TokenID("0123456789ABCDEF") == nil)
        #expect(TokenID("0123") == nil)
        #expect(TokenID.generate().rawValue.count == 16)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
