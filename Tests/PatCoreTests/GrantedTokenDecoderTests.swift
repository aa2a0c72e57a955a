import Foundation
import Testing
@testable import PatCore

@Suite struct GrantedTokenDecoderTests {
    @Test func itReadsWhatTheFullDecoderReadsAndSharesMethodSets() throws {
        var decoder = GrantedTokenDecoder()
        let text = TokenFile.encode(StoreFileTests.token)
        let (hash, granted) = try decoder.decode(Array(text.utf8), path: StoreFileTests.token.id.path)
        #expect(hash == StoreFileTests.token.hash)
        #expect(granted == GrantedToken(StoreFileTests.token))
        var other = StoreFileTests.token
        other.id = TokenID("0a00000000000001")!
        _ = try decoder.decode(Array(TokenFile.encode(other).utf8), path: other.id.path)
        #expect(decoder.distinctMethodLists == 1)
    }

    @Test(arguments: [
        ("{", "not valid JSON"),
        ("[]", "expected a JSON object"),
        (#"{"format": 1, "format": 1}"#, "not valid JSON"),
        (#"{"format": 2}"#, "format version 2 is not supported (this pat reads 1)"),
        (#"{"format": 1, "id": "ffffffffffffffff"}"#, "it holds token ffffffffffffffff, which belongs at tokens/ff/ffffffffffffffff.json"),
        (#"{"format": 1, "id": "0a1b2c3d4e5f6071", "hash": "md5:1"}"#, "field 'hash' is not sha256:<64 lower-case hex digits>"),
    ])
    func damagedFilesAreRefusedWithTheSameReasons(text: String, reason: String) {
        var decoder = GrantedTokenDecoder()
        #expect(throws: StoreFileError(path: "tokens/0a/0a1b2c3d4e5f6071.json", reason: reason)) {
            try decoder.decode(Array(text.utf8), path: "tokens/0a/0a1b2c3d4e5f6071.json")
        }
    }

    @Test func methodsMustBeStrings() {
        var decoder = GrantedTokenDecoder()
        let text = TokenFile.encode(StoreFileTests.token).replacingOccurrences(of: "\"environment.Control.GetEnvInfo\"", with: "42")
        #expect(throws: StoreFileError(path: StoreFileTests.token.id.path, reason: "field 'methods' is missing or not a list of strings")) {
            try decoder.decode(Array(text.utf8), path: StoreFileTests.token.id.path)
        }
    }

    @Test func theParserReadsValidJSON() throws {
        #expect(try JSONValue.parse(Array(#"{"a":"\u00e9\ud83d\ude00","b":{}}"#.utf8)) == .object(["a": .string("é😀"), "b": .object([:])]))
        #expect(try JSONValue.parse(Array(" [1, -2, true, false, null, \"x\\n\"] ".utf8))
            == .array([.int(1), .int(-2), .bool(true), .bool(false), .null, .string("x\n")]))
    }

    @Test(arguments: ["{\"a\":1,}", "[01]", "\"\\ud800\"", "{\"a\" 1}", "1.5", "\"\u{1}\"", "[1] x"])
    func theParserRefusesInvalidJSON(text: String) {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
    }
}
