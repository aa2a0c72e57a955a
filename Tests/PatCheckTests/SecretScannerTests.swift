import Foundation
import PatCore
import PatSSH
import Testing
@testable import PatCheck

@Suite struct SecretScannerTests {
    static let scanner = SecretScanner(storePrefixes: ["pat"])

    struct Positive: CustomTestStringConvertible, Sendable {
        let name: String
        let value: String
        let kind: SecretKind
        /// What the display shows before the last four characters (nil for a key block).
        let prefix: String?
        var testDescription: String { name }
    }

    static let positives: [Positive] = [
        Positive(name: "this store's value", value: Fake.storeToken(), kind: .storeToken, prefix: "pat_"),
        Positive(name: "another pat store's value", value: Fake.storeToken(prefix: "acme", seed: 7), kind: .patToken, prefix: "acme_"),
        Positive(name: "16-character prefix", value: Fake.storeToken(prefix: "ABCDEFGHIJKLMNOP", seed: 8), kind: .patToken,
                 prefix: "ABCDEFGHIJKLMNOP_"),
        Positive(name: "ghp_", value: Fake.github("p"), kind: .githubToken, prefix: "gh" + "p_"),
        Positive(name: "gho_", value: Fake.github("o", seed: 11), kind: .githubToken, prefix: "gh" + "o_"),
        Positive(name: "ghu_", value: Fake.github("u", seed: 12), kind: .githubToken, prefix: "gh" + "u_"),
        Positive(name: "ghs_", value: Fake.github("s", seed: 13), kind: .githubToken, prefix: "gh" + "s_"),
        Positive(name: "ghr_", value: Fake.github("r", seed: 14), kind: .githubToken, prefix: "gh" + "r_"),
        Positive(name: "github_pat_", value: Fake.githubFineGrained(), kind: .githubFineGrainedToken, prefix: "github" + "_pat_"),
        Positive(name: "glpat-", value: Fake.gitlab(), kind: .gitlabToken, prefix: "gl" + "pat-"),
        Positive(name: "OPENSSH key", value: Fake.keyBlock("OPENSSH PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "RSA key", value: Fake.keyBlock("RSA PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "EC key", value: Fake.keyBlock("EC PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "DSA key", value: Fake.keyBlock("DSA PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "PKCS#8 key", value: Fake.keyBlock("PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "encrypted PKCS#8 key", value: Fake.keyBlock("ENCRYPTED PRIVATE KEY"), kind: .privateKey, prefix: nil),
        Positive(name: "encrypted PEM RSA key", value: Fake.keyBlock("RSA PRIVATE KEY", headers: ["Proc-Type: 4,ENCRYPTED",
                 "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF"]), kind: .privateKey, prefix: nil),
        Positive(name: "a key flattened onto one line", value: Fake.keyBlock("RSA PRIVATE KEY").split(separator: "\n").joined(separator: " "),
                 kind: .privateKey, prefix: nil),
        Positive(name: "PGP key", value: Fake.keyBlock("PGP PRIVATE KEY BLOCK"), kind: .privateKey, prefix: nil),
        Positive(name: "real OpenSSH key", value: try! OpenSSHPrivateKey.generate(comment: "a@b").serialized(), kind: .privateKey, prefix: nil),
    ]

    @Test(arguments: positives)
    func findsEachKindWithItsLine(positive: Positive) throws {
        let text = "first line\nsecond line\nvalue: \(positive.value) and more\nlast line\n"
        let matches = Self.scanner.scan(text)
        try #require(matches.count == 1)
        #expect(matches[0].kind == positive.kind)
        #expect(matches[0].line == 3)
        let found = String(decoding: Array(text.utf8)[matches[0].range], as: UTF8.self)
        if positive.kind == .privateKey {
            // The header through the footer.
            #expect(found == positive.value.trimmingCharacters(in: .newlines))
        } else {
            #expect(found == positive.value)
        }
        // After a key block the scan goes on counting lines.
        #expect(Self.scanner.scan(text + Fake.github(seed: 99)).last?.line == positive.value.filter { $0 == "\n" }.count + 5)
    }

    @Test(arguments: positives)
    func theDisplayShowsAtMostThePrefixAndTheLastFourCharacters(positive: Positive) throws {
        let match = try #require(Self.scanner.scan(positive.value).first)
        let value = positive.value
        let body: String
        if let prefix = positive.prefix {
            #expect(match.redacted == prefix + "\u{2026}" + value.suffix(4))
            #expect(match.redacted.count == prefix.count + 5)
            body = String(value.dropFirst(prefix.count))
        } else {
            let headerEnd = try #require(value.range(of: "-----", range: value.index(value.startIndex, offsetBy: 5)..<value.endIndex))
            #expect(match.redacted == value[..<headerEnd.upperBound] + " block")
            let footer = try #require(value.range(of: "-----" + "END"))
            body = value[headerEnd.upperBound..<footer.lowerBound].filter { !$0.isWhitespace }
        }
        // No five characters of the secret's body (a key block's: its material) in a row.
        let bodyCharacters = Array(body)
        try #require(bodyCharacters.count > 16)
        for start in 0..<(bodyCharacters.count - 4) {
            #expect(!match.redacted.contains(String(bodyCharacters[start..<(start + 5)])))
        }
    }

    @Test(arguments: positives)
    func redactionReplacesTheWholeSecret(positive: Positive) {
        let text = "before \(positive.value) after"
        let redacted = Redaction.redact(text)
        #expect(!redacted.contains(positive.value.trimmingCharacters(in: .newlines)))
        #expect(redacted.hasPrefix("before "))
        #expect(redacted.hasSuffix(" after") || redacted.hasSuffix("\n after"))
        #expect(Self.scanner.scan(redacted).isEmpty)
    }

    struct Negative: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    static let negatives: [Negative] = {
        let value = Fake.storeToken()
        let last = value.last!
        let badChecksum = String(value.dropLast()) + (last == "0" ? "1" : "0")
        let classic = Fake.github()
        var generator = SeededGenerator(seed: 42)
        let blob = Data((0..<48_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        let base64 = blob.base64EncodedString(options: .lineLength76Characters)
        let base64url = blob.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return [
            Negative(name: "a token file's hash", text: TokenFile.encode(Tokens.make("0a1b2c3d4e5f6071"))),
            Negative(name: "a bare sha256 hash", text: "sha256:" + String(repeating: "0123456789abcdef", count: 4)),
            Negative(name: "a pat value with a bad checksum", text: "token " + badChecksum),
            Negative(name: "a pat value one character short", text: String(value.dropLast())),
            Negative(name: "a pat value one character long", text: value + "x"),
            Negative(name: "a pat value with a bad character", text: String(value.prefix(10)) + "!" + value.dropFirst(11)),
            Negative(name: "ghp_ too short", text: String(classic.dropLast())),
            Negative(name: "ghp_ too long", text: classic + "A"),
            Negative(name: "ghp_ placeholder", text: "gh" + "p_" + String(repeating: "x", count: 36)),
            Negative(name: "ghp_ with hex", text: "gh" + "p_" + String(repeating: "0123456789abcdef", count: 3).prefix(36)),
            Negative(name: "ghx_ (no such prefix)", text: "gh" + "x_" + classic.dropFirst(4)),
            Negative(name: "github_pat_ too short", text: "github" + "_pat_" + Fake.base62(40, seed: 3)),
            Negative(name: "github_pat_ identifier", text: "github" + "_pat_" + String(repeating: "scopes_for_repository_", count: 5)),
            Negative(name: "glpat- too short", text: "gl" + "pat-" + Fake.base62(19, seed: 4)),
            Negative(name: "glpat- placeholder", text: "gl" + "pat-" + String(repeating: "x", count: 20)),
            Negative(name: "a key header alone", text: SSHKeyError.notOpenSSHKey.description),
            Negative(name: "a key header and prose", text: "-----" + "BEGIN OPENSSH PRIVATE KEY-----\nis what a key file starts with"),
            Negative(name: "a public key block", text: Fake.keyBlock("PUBLIC KEY")),
            Negative(name: "an ssh public key", text: Fake.key(7).line),
            Negative(name: "a base64 blob", text: base64),
            Negative(name: "a base64url blob", text: base64url),
            Negative(name: "a commit message", text: CommitMessage(operation: .generate, subject: "Generate token 0a1b2c3d4e5f6071: CI deploy",
                                                                   body: ["- " + CommitMessage.summary(of: Tokens.make("0a1b2c3d4e5f6071"))],
                                                                   tokens: [TokenID("0a1b2c3d4e5f6071")!]).text),
            Negative(name: "empty", text: ""),
        ]
    }()

    @Test(arguments: negatives)
    func findsNothingWhereThereIsNoSecret(negative: Negative) {
        #expect(Self.scanner.scan(negative.text) == [])
    }

    @Test func aValueGluedToOtherCharactersIsStillFound() throws {
        let value = Fake.storeToken()
        for text in ["MY_" + value, "X" + value, "export PAT_TOKEN=" + value, "\"" + value + "\"", "url?token=" + value + "&x=1"] {
            let match = try #require(Self.scanner.scan(text).first, "\(text.count)")
            #expect(String(decoding: Array(text.utf8)[match.range], as: UTF8.self) == value)
            #expect(match.kind == .storeToken)
        }
    }

    @Test func theStoresPrefixesDecideTheKind() throws {
        let value = Fake.storeToken(prefix: "acme", seed: 9)
        #expect(SecretScanner(storePrefixes: ["pat"]).scan(value).map(\.kind) == [.patToken])
        #expect(SecretScanner(storePrefixes: ["pat", "acme"]).scan(value).map(\.kind) == [.storeToken])
        #expect(SecretScanner().scan(value).map(\.kind) == [.patToken])
    }

    @Test func findsEverySecretInOneTextWithItsLine() {
        let text = [Fake.github(), "nothing here", Fake.storeToken() + " " + Fake.gitlab(), "\r", Fake.keyBlock("EC PRIVATE KEY")
                    + Fake.githubFineGrained()].joined(separator: "\n")
        let matches = Self.scanner.scan(text)
        #expect(matches.map(\.kind) == [.githubToken, .storeToken, .gitlabToken, .privateKey, .githubFineGrainedToken])
        #expect(matches.map(\.line) == [1, 3, 3, 5, 5 + Fake.keyBlock("EC PRIVATE KEY").filter { $0 == "\n" }.count])
    }

    @Test func aKeyInAJSONStringIsFound() throws {
        let key = try OpenSSHPrivateKey.generate(comment: "a@b").serialized()
        let json = JSONText.object([("description", .string(key))]).rendered()
        #expect(json.contains("\\n"))
        let match = try #require(Self.scanner.scan(json).first)
        #expect(match.kind == .privateKey)
        #expect(match.line == 2)
        // The whole block, through the escaped footer, is what redaction replaces.
        #expect(Redaction.redact(json) == "{\n  \"description\": \"-----BEGIN OPENSSH PRIVATE KEY----- block\\n\"\n}\n")
    }

    @Test func scansBytesAndNonContiguousCollections() {
        let text = "x " + Fake.github()
        #expect(Self.scanner.scan(Array(text.utf8)).count == 1)
        #expect(Self.scanner.scan(Data(text.utf8)).count == 1)
        #expect(Self.scanner.scan(text.utf8.lazy.map { $0 }).count == 1)
    }

    /// Inputs that would make a backtracking pattern crawl; the scan looks at each byte a bounded number of times.
    @Test(arguments: [
        String(repeating: "_", count: 200_000),
        String(repeating: "gh" + "p_", count: 100_000),
        String(repeating: "github" + "_pat_", count: 30_000),
        String(repeating: "gl" + "pat-", count: 50_000),
        String(repeating: "-----" + "BEGIN RSA PRIVATE KEY-----", count: 10_000),
        String(repeating: "." + String(repeating: "A", count: 20) + "_" + String(repeating: "b", count: 49), count: 3_000),
        String(repeating: "ABCDEFGHIJKLMNOPQRSTUVWXYZ_", count: 20_000),
    ])
    func adversarialInputsFindNothing(text: String) {
        #expect(Self.scanner.scan(text) == [])
    }

    @Test func manyKeyHeadersWithMaterialAreEachFound() {
        let block = Fake.keyBlock("RSA PRIVATE KEY")
        let text = String(repeating: block, count: 200)
        #expect(Self.scanner.scan(text).count == 200)
    }
}

extension SecretScannerTests {
    @Test func findingsNameTheCommitPathAndLineAndShowOnlyTheDisplay() throws {
        let value = Fake.storeToken()
        let commit = String(repeating: "c", count: 40)
        let inFile = Self.scanner.findings(in: Array("a\nb \(value)\n".utf8), commit: commit, path: "notes.txt")
        #expect(inFile == [CheckFinding(category: .secrets, severity: .error,
                                        message: "the file holds a token value of this store (pat_\u{2026}\(value.suffix(4))); remove it from the history and revoke it",
                                        commit: commit, path: "notes.txt", line: 2)])
        let inMessage = try #require(Self.scanner.findings(in: Array(value.utf8), commit: commit, path: nil).first)
        #expect(inMessage.message.hasPrefix("the commit message holds a token value of this store"))
        #expect(inMessage.path == nil && inMessage.line == 1)
        #expect(!inMessage.message.contains(value))
    }
}
