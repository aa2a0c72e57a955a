import Foundation
import PatCore
import PatGit
import PatStore
import PatTestSupport
import Testing
@testable import PatVerifier

@Suite struct VerifierTests {
    @Test func decisionsFollowTheStore() throws {
        let fixture = try VerifierFixture()
        let (token, secret) = try fixture.base.generate("deploy")
        let verifier = try fixture.verifier()
        verifier.refresh()
        #expect(fixture.decide(verifier, secret.value).tokenID == token.id)
        #expect(fixture.decide(verifier, secret.value, "env.deployment.DEPLOY").isAllowed)
        let denied = fixture.decide(verifier, secret.value, "environment.Control.DeleteEnv")
        #expect(denied.result == .permissionDenied)
        #expect(denied.platformJSON == #"{"result":8202,"error":"permission denied: token \#(token.id) does not grant environment.Control.DeleteEnv"}"#)

        // Regenerate: the old value stops working at the next reload, the new one works.
        let regenerated = try fixture.base.store.regenerate([token.id], expires: nil, fixture.base.options)
        guard case .loaded = verifier.refresh() else { Issue.record("regenerate refused"); return }
        #expect(fixture.decide(verifier, secret.value).result == .unknownToken)
        #expect(fixture.decide(verifier, regenerated.change.secrets[token.id]!.value).isAllowed)
        #expect(try String(contentsOfFile: fixture.state, encoding: .utf8) == (try fixture.head()) + "\n")
    }

    @Test func aPinnedRootCommitStartsTheChain() throws {
        let fixture = try VerifierFixture()
        let (_, secret) = try fixture.base.generate("deploy")
        let root = try git(["rev-list", "--max-parents=0", "main"], in: fixture.store).stdout.trimmingCharacters(in: .newlines)
        let verifier = try fixture.verifier(trust: .commit(ObjectID(hex: root)!))
        guard case .loaded = verifier.refresh() else { Issue.record("refused"); return }
        #expect(fixture.decide(verifier, secret.value).isAllowed)
    }

    @Test func reloadsReadOnlyTheShardsThatChanged() throws {
        let fixture = try VerifierFixture()
        for index in 0..<40 { try fixture.base.generate("token \(index)") }
        let verifier = try fixture.verifier()
        guard case .loaded(let first) = verifier.refresh() else { Issue.record("refused"); return }
        #expect(first.tokenCount == 40)
        #expect(first.filesRead == 40)
        let (added, secret) = try fixture.base.generate("one more")
        guard case .loaded(let second) = verifier.refresh() else { Issue.record("refused"); return }
        #expect(second.tokenCount == 41)
        #expect(second.filesRead == 1, "only the new file is read, not the rest of its shard")
        let changed = second.shards.filter { first.shards[$0.key]?.tree != $0.value.tree }.map(\.key)
        #expect(changed == [added.id.shard])
        // Every unchanged shard is the same value, not a re-read copy of it.
        #expect(second.shards.count >= first.shards.count)
        #expect(fixture.decide(verifier, secret.value).isAllowed)
        try fixture.base.store.remove(.all, fixture.base.options)
        guard case .loaded(let third) = verifier.refresh() else { Issue.record("refused"); return }
        #expect(third.tokenCount == 0)
        #expect(third.filesRead == 0)
        #expect(fixture.decide(verifier, secret.value).result == .unknownToken)
    }

    /// Within a shard that changed, files that did not change are reused and keep deciding; the changed one decides
    /// by its new content, the removed one no longer at all.
    @Test func aChangedShardKeepsItsUnchangedFiles() throws {
        let fixture = try VerifierFixture()
        var byShard: [String: [(Token, TokenSecret)]] = [:]
        while byShard.values.allSatisfy({ $0.count < 3 }) {
            let (token, secret) = try fixture.base.generate("token \(byShard.values.map(\.count).reduce(0, +))")
            byShard[token.id.shard, default: []].append((token, secret))
        }
        let crowded = byShard.values.first { $0.count >= 3 }!
        let verifier = try fixture.verifier()
        guard case .loaded = verifier.refresh() else { Issue.record("refused"); return }
        let (kept, edited, removed) = (crowded[0], crowded[1], crowded[2])
        _ = try fixture.base.store.edit(edited.0.id, TokenSettingsRequest(expires: "+1d"), fixture.base.options)
        try fixture.base.store.remove(.tokens([removed.0.id]), fixture.base.options)
        guard case .loaded(let after) = verifier.refresh() else { Issue.record("refused"); return }
        #expect(after.filesRead == 1, "only the edited file is read again")
        #expect(fixture.decide(verifier, kept.1.value).isAllowed)
        #expect(fixture.decide(verifier, edited.1.value).isAllowed)
        #expect(fixture.decide(verifier, removed.1.value).result == .unknownToken)
        #expect(after.authorization.tokens[edited.1.digest]?.expires != edited.0.expires)
    }

    @Test func aCorruptStateFileStopsTheVerifierFromStarting() throws {
        let fixture = try VerifierFixture()
        try "nonsense".write(toFile: fixture.state, atomically: true, encoding: .utf8)
        #expect(throws: VerifierError.unreadableState(fixture.state, "it does not hold a commit id")) { try fixture.verifier() }
        try (String(repeating: "2", count: 40) + "\n").write(toFile: fixture.state, atomically: true, encoding: .utf8)
        #expect(performing: { try fixture.verifier() }, throws: { "\($0)".contains("is not in the store") })
    }

    /// With a pinned root commit, a state file naming a commit off that root's line (another store's, a rewritten
    /// history's, a blob) does not become the base.
    @Test func aStateFileMustDescendFromThePinnedRoot() throws {
        let fixture = try VerifierFixture()
        try fixture.base.generate("one")
        let root = try #require(ObjectID(hex: git(["rev-list", "--max-parents=0", "main"], in: fixture.store).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let tree = try git(["rev-parse", "main^{tree}"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stranger = try git(["commit-tree", tree, "-m", "another first commit"], in: fixture.store).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try (stranger + "\n").write(toFile: fixture.state, atomically: true, encoding: .utf8)
        #expect(performing: { try fixture.verifier(trust: .commit(root)) },
                throws: { "\($0)".contains("does not descend along first parents from the pinned trust root \(root.short)") })
        try (tree + "\n").write(toFile: fixture.state, atomically: true, encoding: .utf8)
        #expect(performing: { try fixture.verifier(trust: .commit(root)) }, throws: { "\($0)".contains("is not a commit") })
        // the state file of this store's own history is fine
        try (fixture.head() + "\n").write(toFile: fixture.state, atomically: true, encoding: .utf8)
        let verifier = try fixture.verifier(trust: .commit(root))
        guard case .loaded(let snapshot) = verifier.refresh() else { Issue.record("refused"); return }
        #expect(snapshot.commit == (try fixture.head()))
    }
}

@Suite struct AuthorizerTests {
    static let now = Timestamp.parse("2026-11-23T12:00:00Z")!
    static let secret = TokenSecret.generate(prefix: "pat")
    static let token = GrantedToken(id: TokenID("00000000000000aa")!, expires: Timestamp.parse("2026-12-01T23:59:59Z")!,
                                    methods: ["environment.Control.StopEnv"])
    static let snapshot = AuthorizationSnapshot(commit: String(repeating: "c", count: 40), committed: now.addingTimeInterval(-60),
                                                tokenPrefix: "pat", tokens: [secret.digest: token])

    static let cases: [(String?, String, Date, ResultCode)] = [
        (secret.value, "environment.Control.StopEnv", now, .ok),
        (secret.value, "env.control.stopenv", now, .ok),
        (secret.value, "ENVIRONMENT.CONTROL.STOPENV", now, .ok),
        (secret.value, "environment.control.stopenv", now, .ok),
        (secret.value, "environment.Control.StartEnv", now, .permissionDenied),
        (secret.value, "environment.Control.StopEnv", Timestamp.parse("2026-12-02T00:00:00Z")!, .expiredToken),
        (TokenSecret.generate(prefix: "pat").value, "environment.Control.StopEnv", now, .unknownToken),
        (TokenSecret.generate(prefix: "xyz").value, "environment.Control.StopEnv", now, .malformedToken),
        (String(secret.value.dropLast()) + (secret.value.hasSuffix("0") ? "1" : "0"), "environment.Control.StopEnv", now, .malformedToken),
        (nil, "environment.Control.StopEnv", now, .missingToken),
        (secret.value, "stopenv", now, .invalidMethod),
        (secret.value, "a.b.c.d", now, .invalidMethod),
    ]

    @Test(arguments: cases)
    func oneFunctionDecides(token: String?, method: String, at: Date, expected: ResultCode) {
        let decision = Authorizer.decide(Self.snapshot, token: token, method: method, at: at)
        #expect(decision.result == expected)
        if let token { #expect(!(decision.error ?? "").contains(token)) }
    }

    /// Allowed or refused, the decision names the permission as the catalog spells it, whatever the request's case.
    @Test(arguments: [
        ("environment.control.stopenv", ResultCode.ok, "environment.Control.StopEnv"),
        ("env.Control.StopEnv", .ok, "environment.Control.StopEnv"),
        ("environment.control.startenv", .permissionDenied, "environment.Control.StartEnv"),
        ("ENV.CONTROL.STARTENV", .permissionDenied, "environment.Control.StartEnv"),
        ("nosuch.Group.Method", .permissionDenied, "nosuch.Group.Method"),
    ])
    func decisionsNameThePermissionCanonically(method: String, result: ResultCode, permission: String) throws {
        let catalog = try BuiltInTemplates.catalog()
        let decision = Authorizer.decide(Self.snapshot, token: Self.secret.value, method: method, at: Self.now, catalog: catalog)
        #expect(decision.result == result)
        #expect(decision.permission == permission)
        if result != .ok { #expect(decision.error?.contains(permission) == true) }
    }

    @Test func staleSnapshotsAndMissingOnesCannotDecide() {
        #expect(Authorizer.decide(Self.snapshot, token: Self.secret.value, method: "environment.Control.StopEnv", at: Self.now, maxAge: 30).result == .storeUnavailable)
        #expect(Authorizer.decide(Self.snapshot, token: Self.secret.value, method: "environment.Control.StopEnv", at: Self.now, maxAge: 3600).result == .ok)
        #expect(Authorizer.decide(nil, token: Self.secret.value, method: "environment.Control.StopEnv", at: Self.now).result == .storeUnavailable)
    }

    @Test func urlsMapToPermissions() {
        #expect(MethodPermission(urlPath: "/1.0/environment/control/rest/stopenv?envName=x&session=abc")?.key == "environment.control.stopenv")
        #expect(MethodPermission(urlPath: "/2.0/environment/control/rest/stopenv") == nil)
        #expect(MethodPermission(urlPath: "/1.0/environment/control/stopenv") == nil)
        #expect(MethodPermission(urlPath: "/1.0/environment/control/rest/stop.env") == nil)
    }
}

@Suite struct PlatformURLTests {
    @Test(arguments: [
        ("/1.0/environment/control/rest/stopenv", "environment.control.stopenv"),
        ("/1.0/environment/control/rest/stopenv?envName=x&session=abc", "environment.control.stopenv"),
        ("/1.0/env/Control/rest/GetEnvInfo?", "env.Control.GetEnvInfo"),
        ("/1.0/a/b/rest/c?x=/1.0/d/e/rest/f", "a.b.c"),
    ])
    func platformURLsNameTheirMethod(target: String, method: String) throws {
        let parts = try #require(PlatformURL.parts(target))
        #expect("\(parts.group).\(parts.service).\(parts.method)" == method)
    }

    @Test(arguments: ["", "/", "/1.0", "/1.0/", "/2.0/environment/control/rest/stopenv", "/1.0/environment/control/stopenv",
                      "/1.0/environment/control/rest/stopenv/", "/1.0/environment/control/rest/stop/env",
                      "/1.0//control/rest/stopenv", "/1.0/environment//rest/stopenv", "/1.0/environment/control/rest/",
                      "/1.0/environment/control/REST/stopenv", "1.0/environment/control/rest/stopenv", "/auth?x=/1.0/a/b/rest/c"])
    func otherTargetsAreNotPlatformURLs(target: String) {
        #expect(PlatformURL.parts(target) == nil)
    }
}
