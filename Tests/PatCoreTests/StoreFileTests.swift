import Foundation
import Testing
@testable import PatCore

@Suite struct StoreFileTests {
    static let token = Token(
        id: TokenID("0a1b2c3d4e5f6071")!, description: "CI deploy \"prod\" \u{e9}",
        hash: TokenHash("sha256:" + String(repeating: "ab", count: 32))!,
        created: Timestamp.parse("2026-11-23T10:00:00Z")!, expires: Timestamp.parse("2026-12-31T23:59:59Z")!,
        api: APIGrant(preset: "Custom", methods: ["environment.Control.StopEnv", "environment.Control.GetEnvInfo"]))

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)"), encoding: .utf8)
    }

    @Test func tokenFilesHaveAFixedLayout() throws {
        #expect(TokenFile.encode(Self.token) == (try Self.fixture("token.json")))
    }

    @Test func tokenFilesRoundTrip() throws {
        let text = TokenFile.encode(Self.token)
        #expect(try TokenFile.decode(Array(text.utf8), path: Self.token.id.path) == Self.token)
    }

    @Test(arguments: [
        ("{", "not valid JSON"),
        ("[]", "expected a JSON object"),
        (#"{"format": 2}"#, "format version 2 is not supported (this pat reads 1)"),
        (#"{"format": true}"#, "field 'format' is missing or not an integer"),
        (#"{"format": 1, "id": "nothex"}"#, "field 'id' is not a token id"),
        (#"{"format": 1, "id": "ffffffffffffffff"}"#, "it holds token ffffffffffffffff, which belongs at tokens/ff/ffffffffffffffff.json"),
        (#"{"format": 1, "id": "0a1b2c3d4e5f6071", "hash": "md5:1"}"#, "field 'hash' is not sha256:<64 lower-case hex digits>"),
    ])
    func damagedTokenFilesNameTheFileAndTheProblem(text: String, reason: String) {
        #expect(throws: StoreFileError(path: "tokens/0a/0a1b2c3d4e5f6071.json", reason: reason)) {
            try TokenFile.decode(Array(text.utf8), path: "tokens/0a/0a1b2c3d4e5f6071.json")
        }
    }

    @Test func missingFieldsAreNamed() throws {
        var text = TokenFile.encode(Self.token)
        text = text.replacingOccurrences(of: #""expires""#, with: #""expiry""#)
        #expect(throws: StoreFileError(path: Self.token.id.path, reason: "field 'expires' is missing or not a string")) {
            try TokenFile.decode(Array(text.utf8), path: Self.token.id.path)
        }
    }

    @Test func settingsRoundTripAndAreValidated() throws {
        let settings = StoreSettings(tokenPrefix: "acme", maxLifetimeDays: 90, defaultAuthorName: "pat", defaultAuthorEmail: "p@x")
        #expect(try StoreSettings.decode(Array(settings.encoded().utf8)) == settings)
        let bad = settings.encoded().replacingOccurrences(of: "\"acme\"", with: "\"ac me\"")
        #expect(throws: StoreFileError(path: "pat.json", reason: "tokenPrefix must be 1 to 16 ASCII letters or digits")) {
            try StoreSettings.decode(Array(bad.utf8))
        }
    }

    @Test func jsonStringsEscapeControlCharacters() {
        #expect(JSONText.quote("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
    }

    @Test(arguments: [
        ("ok", [TokenValidationError.Problem]()),
        ("", [.descriptionEmpty]),
        ("   ", [.descriptionEmpty]),
        (String(repeating: "x", count: 257), [.descriptionTooLong(257)]),
        ("tab\there", [.descriptionControlCharacters]),
        ("bell\u{7}", [.descriptionControlCharacters]),
    ])
    func descriptionRules(text: String, problems: [TokenValidationError.Problem]) {
        #expect(DescriptionRules.problems(text) == problems)
    }

    @Test func commitMessagesEndInTrailers() {
        let message = CommitMessage(operation: .remove, subject: "Remove 2 tokens", body: ["- a", "- b"],
                                    tokens: [TokenID("0000000000000001")!, TokenID("0000000000000002")!])
        #expect(message.text == "Remove 2 tokens\n\n- a\n- b\n\nPat-Operation: remove\nPat-Token: 0000000000000001\nPat-Token: 0000000000000002\n")
        let trailers = CommitMessage.trailers(of: message.text)
        #expect(trailers.map(\.key) == ["Pat-Operation", "Pat-Token", "Pat-Token"])
        #expect(trailers.map(\.value) == ["remove", "0000000000000001", "0000000000000002"])
        #expect(CommitMessage.trailers(of: "Subject only\n").isEmpty)
    }

    @Test func listQueriesFilterAndSortNewestFirst() {
        let now = Timestamp.parse("2026-11-23T12:00:00Z")!
        func token(_ id: String, _ description: String, created: String, expires: String) -> Token {
            Token(id: TokenID(id)!, description: description, hash: Self.token.hash, created: Timestamp.parse(created)!,
                  expires: Timestamp.parse(expires)!, api: Self.token.api)
        }
        let tokens = [
            token("0000000000000001", "old deploy", created: "2026-01-01T00:00:00Z", expires: "2026-02-01T23:59:59Z"),
            token("0000000000000002", "IDE", created: "2026-11-01T00:00:00Z", expires: "2026-12-01T23:59:59Z"),
            token("0000000000000003", "new Deploy", created: "2026-11-20T00:00:00Z", expires: "2026-12-01T23:59:59Z"),
        ]
        #expect(TokenQuery().apply(to: tokens, now: now).map(\.id.rawValue) == ["0000000000000003", "0000000000000002", "0000000000000001"])
        #expect(TokenQuery(search: "DEPLOY").apply(to: tokens, now: now).count == 2)
        #expect(TokenQuery(state: .expired).apply(to: tokens, now: now).map(\.description) == ["old deploy"])
        #expect(TokenQuery(search: "deploy", state: .active).apply(to: tokens, now: now).map(\.description) == ["new Deploy"])
    }
}
