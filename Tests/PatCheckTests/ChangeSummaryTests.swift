import Foundation
import PatCore
import PatSSH
import Testing
@testable import PatCheck

@Suite struct ChangeSummaryTests {
    static let id = "0a1b2c3d4e5f6071"
    static let token = Tokens.make(id)
    static let settings = StoreSettings(defaultAuthorName: "pat", defaultAuthorEmail: "alice@example.com").encoded()

    static func signers(_ entries: [(String, UInt8)]) -> String {
        AllowedSigners(entries: entries.map { AllowedSigners.Entry(principal: $0.0, key: Fake.key($0.1)) }).text
    }

    static func summary(_ base: [String: [UInt8]], _ head: [String: [UInt8]], removed: [String: String] = [:]) -> ChangeSummary {
        ChangeSummary(base: base, head: head, removedSigners: removed)
    }

    @Test func identicalTreesHaveNoChanges() {
        let files = Tokens.files([Self.token], extra: ["pat.json": Self.settings, "allowed_signers": Self.signers([("a@x", 1)])])
        #expect(Self.summary(files, files).isEmpty)
        #expect(Self.summary([:], [:]).isEmpty)
    }

    @Test func addedAndRemovedTokens() {
        let other = Tokens.make("ffeeddccbbaa9988", "Nightly", seed: 11)
        let third = Tokens.make("0000000000000001", "First", seed: 12)
        let summary = Self.summary(Tokens.files([Self.token, other]), Tokens.files([other, third]))
        #expect(summary.tokensAdded == [third])
        #expect(summary.tokensRemoved == [Self.token])
        #expect(summary.tokensChanged.isEmpty)
        #expect(summary.tokensAdded[0].api.methods.count == 2)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let new: Token
        let kinds: [TokenChange.Kind]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "regenerated", new: Tokens.make(id, seed: 99), kinds: [.regenerated]),
        Case(name: "widened", new: Tokens.make(id, methods: token.api.methods + ["environment.Control.StopEnv"]), kinds: [.scopeWidened]),
        Case(name: "narrowed", new: Tokens.make(id, methods: ["environment.Control.GetEnvInfo"]), kinds: [.scopeNarrowed]),
        Case(name: "widened and narrowed", new: Tokens.make(id, methods: ["environment.Control.GetEnvInfo", "environment.Control.StopEnv"]),
             kinds: [.scopeWidened, .scopeNarrowed]),
        Case(name: "extended", new: Tokens.make(id, expires: "2027-06-30T23:59:59Z"), kinds: [.expiryExtended]),
        Case(name: "shortened", new: Tokens.make(id, expires: "2026-12-01T23:59:59Z"), kinds: [.expiryShortened]),
        Case(name: "described", new: Tokens.make(id, "CI deploy (prod)"), kinds: [.descriptionChanged]),
        Case(name: "preset", new: Tokens.make(id, preset: "Custom"), kinds: [.presetChanged]),
        Case(name: "created", new: Tokens.make(id, created: "2026-11-24T10:00:00Z"), kinds: [.createdChanged]),
        Case(name: "regenerated with a new expiry", new: Tokens.make(id, seed: 98, expires: "2027-01-31T23:59:59Z",
                                                                      created: "2026-12-01T00:00:00Z"),
             kinds: [.regenerated, .expiryExtended, .createdChanged]),
    ]

    @Test(arguments: cases)
    func changedTokensSayHow(change: Case) throws {
        let summary = Self.summary(Tokens.files([Self.token]), Tokens.files([change.new]))
        try #require(summary.tokensChanged.count == 1)
        let found = summary.tokensChanged[0]
        #expect(found.kinds == change.kinds)
        #expect(found.old == Self.token)
        #expect(found.new == change.new)
        #expect(summary.tokensAdded.isEmpty && summary.tokensRemoved.isEmpty)
    }

    @Test func scopeChangesNameTheMethods() throws {
        let new = Tokens.make(Self.id, methods: ["environment.Control.GetEnvInfo", "environment.Control.StopEnv", "zz.Y.X"])
        let change = try #require(Self.summary(Tokens.files([Self.token]), Tokens.files([new])).tokensChanged.first)
        #expect(change.methodsAdded == ["environment.Control.StopEnv", "zz.Y.X"])
        #expect(change.methodsRemoved == ["environment.Deployment.Deploy"])
    }

    @Test func aReformattedButEqualTokenIsNoChange() {
        var base = Tokens.files([Self.token])
        base[Self.token.id.path] = Array(TokenFile.encode(Self.token).replacingOccurrences(of: "\n  ", with: "\n    ").utf8)
        #expect(Self.summary(base, Tokens.files([Self.token])).isEmpty)
    }

    @Test func signersAddedRemovedRenamedAndComingBack() {
        let base = ["allowed_signers": Array(Self.signers([("alice@example.com", 1), ("bob@example.com", 2), ("carol@example.com", 3)]).utf8)]
        let head = ["allowed_signers": Array(Self.signers([("alice@example.com", 1), ("robert@example.com", 2), ("dave@example.com", 4),
                                                           ("eve@example.com", 5)]).utf8)]
        let summary = Self.summary(base, head, removed: [Fake.key(5).fingerprint: "eve@old.example.com"])
        #expect(summary.signersAdded == [
            SignerChange(principal: "dave@example.com", fingerprint: Fake.key(4).fingerprint),
            SignerChange(principal: "eve@example.com", fingerprint: Fake.key(5).fingerprint, removedEarlierAs: "eve@old.example.com"),
        ])
        #expect(summary.signersAdded.map(\.isComingBack) == [false, true])
        #expect(summary.signersRemoved == [SignerChange(principal: "carol@example.com", fingerprint: Fake.key(3).fingerprint)])
        #expect(summary.signersRenamed == [SignerRename(fingerprint: Fake.key(2).fingerprint, oldPrincipals: ["bob@example.com"],
                                                        newPrincipals: ["robert@example.com"])])
        #expect(summary.tokensAdded.isEmpty && summary.settingsChanged.isEmpty)
    }

    @Test func theFirstAllowedSignersFileAddsEveryKey() {
        let summary = Self.summary([:], ["allowed_signers": Array(Self.signers([("a@x", 1)]).utf8)])
        #expect(summary.signersAdded == [SignerChange(principal: "a@x", fingerprint: Fake.key(1).fingerprint)])
    }

    @Test func settingsChangesNameTheKeyAndBothValues() {
        let head = StoreSettings(maxLifetimeDays: 90, defaultAuthorName: "pat", defaultAuthorEmail: "ops@example.com").encoded()
            .replacingOccurrences(of: "\n}", with: ",\n  \"requiredApprovals\": 2,\n  \"forbiddenMethods\": [\"admin.*\"]\n}")
        let summary = Self.summary(["pat.json": Array(Self.settings.utf8)], ["pat.json": Array(head.utf8)])
        #expect(summary.settingsChanged == [
            SettingChange(key: "defaultAuthor.email", old: "\"alice@example.com\"", new: "\"ops@example.com\""),
            SettingChange(key: "forbiddenMethods", old: nil, new: "[\"admin.*\"]"),
            SettingChange(key: "maxLifetimeDays", old: "366", new: "90"),
            SettingChange(key: "requiredApprovals", old: nil, new: "2"),
        ])
    }

    @Test func presetsAddedRemovedAndChanged() {
        let a = PresetFile.encode(Preset(name: "Maven Plugin", summary: "s", rationale: "r", include: ["a.B.*"], exclude: []))
        let a2 = PresetFile.encode(Preset(name: "Maven Plugin", summary: "s", rationale: "r", include: ["a.B.*", "c.D.*"], exclude: []))
        let b = PresetFile.encode(Preset(name: "Read Only", summary: "s", rationale: "r", include: ["a.B.Get"], exclude: []))
        let c = PresetFile.encode(Preset(name: "Deploy", summary: "s", rationale: "r", include: ["a.B.Deploy"], exclude: []))
        let summary = Self.summary(Tokens.files([], extra: ["presets/maven-plugin.json": a, "presets/read-only.json": b]),
                                   Tokens.files([], extra: ["presets/maven-plugin.json": a2, "presets/deploy.json": c]))
        #expect(summary.presetsAdded == [PresetChange(path: "presets/deploy.json", name: "Deploy")])
        #expect(summary.presetsRemoved == [PresetChange(path: "presets/read-only.json", name: "Read Only")])
        #expect(summary.presetsChanged == [PresetChange(path: "presets/maven-plugin.json", name: "Maven Plugin")])
    }

    @Test func unreadableFilesAreListedAndLeftOut() {
        let base = Tokens.files([Self.token], extra: ["pat.json": Self.settings, "allowed_signers": Self.signers([("a@x", 1)])])
        var head = base
        head[Self.token.id.path] = Array("{ not json".utf8)
        head["tokens/ff/ffffffffffffffff.json"] = Array(TokenFile.encode(Self.token).utf8)  // at another token's path
        head["pat.json"] = Array("[1, 2]".utf8)
        head["allowed_signers"] = Array("a@x ssh-rsa AAAA\n".utf8)
        head["presets/x.json"] = Array("{}".utf8)
        head["README.md"] = Array("not a store file".utf8)
        let summary = Self.summary(base, head)
        #expect(summary.unreadable == [
            UnreadableFile(path: "allowed_signers", side: .head,
                           reason: "allowed_signers line 1: unsupported key type ssh-rsa: pat signs with ssh-ed25519 keys only"),
            UnreadableFile(path: "pat.json", side: .head, reason: "not a JSON object"),
            UnreadableFile(path: "presets/x.json", side: .head, reason: "field 'name' is missing or not a string"),
            UnreadableFile(path: Self.token.id.path, side: .head, reason: "not valid JSON"),
            UnreadableFile(path: "tokens/ff/ffffffffffffffff.json", side: .head,
                           reason: "it holds token \(Self.id), which belongs at \(Self.token.id.path)"),
        ])
        // An unreadable file is neither removed nor changed, and nothing else is reported.
        #expect(summary.tokensRemoved.isEmpty && summary.tokensChanged.isEmpty && summary.tokensAdded.isEmpty)
        #expect(summary.signersAdded.isEmpty && summary.signersRemoved.isEmpty && summary.settingsChanged.isEmpty)
    }

    @Test(arguments: [
        [UInt8](), [0xFF, 0xFE, 0x00], Array("{\"format\": 1, \"id\": ".utf8), Array(String(repeating: "[", count: 10_000).utf8),
        Array("{\"format\": 1, \"id\": \"0a1b2c3d4e5f6071\", \"hash\": 5}".utf8),
    ])
    func garbageNeverCrashes(bytes: [UInt8]) {
        let head = ["tokens/0a/0a1b2c3d4e5f6071.json": bytes, "pat.json": bytes, "allowed_signers": bytes, "presets/p.json": bytes]
        let summary = Self.summary(Tokens.files([Self.token], extra: ["pat.json": Self.settings]), head)
        #expect(summary.tokensRemoved.isEmpty)
        #expect(summary.unreadable.contains { $0.path == "tokens/0a/0a1b2c3d4e5f6071.json" })
    }
}

extension ChangeSummaryTests {
    @Test func anUnchangedUnreadableFileIsNotTheSummarysBusiness() {
        let files = ["tokens/0a/0a1b2c3d4e5f6071.json": Array("garbage".utf8)]
        #expect(Self.summary(files, files).isEmpty)
    }

    @Test func aTokenFileRepairedInHeadIsNeitherAddedNorChanged() {
        let base = ["tokens/0a/0a1b2c3d4e5f6071.json": Array("garbage".utf8)]
        let summary = Self.summary(base, Tokens.files([Self.token]))
        #expect(summary.tokensAdded.isEmpty && summary.tokensChanged.isEmpty)
        #expect(summary.unreadable == [UnreadableFile(path: Self.token.id.path, side: .base, reason: "not valid JSON")])
    }
}
