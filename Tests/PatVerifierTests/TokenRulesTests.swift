import Foundation
import PatCore
import PatGit
import PatStore
import PatTestSupport
import Testing
@testable import PatVerifier

/// Rules over a commit's token files that must not depend on how the snapshot was loaded: a verifier that followed
/// every commit and one that loaded the head cold answer the same and report the same problems.
@Suite struct TokenRulesTests {
    /// The verifier that followed the branch, and one loading the head cold (no state, no previous snapshot).
    func bothWays(_ fixture: VerifierFixture, _ following: StoreVerifier) throws -> [StoreVerifier] {
        guard case .loaded = following.refresh() else { throw VerifierFixture.Failed(description: following.status.lastRefusal ?? "refused") }
        let cold = try StoreVerifier(path: fixture.store, trustRoot: TrustRoot.load(allowedSignersFile: fixture.pinned))
        guard case .loaded = cold.refresh() else { throw VerifierFixture.Failed(description: cold.status.lastRefusal ?? "refused") }
        #expect(following.current?.problems == cold.current?.problems)
        return [following, cold]
    }

    @Test func tokensSharingAHashAreAllDenied() throws {
        let fixture = try VerifierFixture()
        let (original, secret) = try fixture.base.generate("original")
        let following = try fixture.verifier()
        guard case .loaded = following.refresh() else { Issue.record("first load refused"); return }
        #expect(fixture.decide(following, secret.value).isAllowed)

        // Two more files carrying the same hash, granting another method.
        let first = try fixture.craftedToken("copy one", value: secret.value, methods: ["environment.Control.StopEnv"])
        let second = try fixture.craftedToken("copy two", value: secret.value, methods: ["environment.Control.StopEnv"])
        try fixture.commitFiles([first.path: first.file, second.path: second.file], message: "two copies")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, secret.value).result == .unknownToken)
            #expect(fixture.decide(verifier, secret.value).reason == .sharedHash)
            #expect(fixture.decide(verifier, secret.value, "environment.Control.StopEnv").result == .unknownToken)
            let reported = Set(verifier.current!.problems.filter { $0.reason.contains("every token sharing a hash is denied") }.map(\.path))
            #expect(reported == [original.id.path, first.path, second.path])
        }

        // Two still share it: still denied; with one left, it works again.
        try fixture.commitFiles([first.path: nil], message: "one copy less")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, secret.value).result == .unknownToken)
            #expect(verifier.current!.problems.count == 2)
        }
        try fixture.commitFiles([second.path: nil], message: "no copy left")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, secret.value).isAllowed)
            #expect(verifier.current!.problems.isEmpty)
        }
    }

    /// A hash that moves from one file to another in one commit is no duplicate.
    @Test func aHashMovingBetweenFilesIsNoDuplicate() throws {
        let fixture = try VerifierFixture()
        let (original, secret) = try fixture.base.generate("original")
        let following = try fixture.verifier()
        guard case .loaded = following.refresh() else { Issue.record("first load refused"); return }
        let moved = try fixture.craftedToken("moved", value: secret.value)
        try fixture.commitFiles([original.id.path: nil, moved.path: moved.file], message: "move")
        for verifier in try bothWays(fixture, following) {
            let decision = fixture.decide(verifier, secret.value)
            #expect(decision.isAllowed)
            #expect(decision.tokenID?.path == moved.path)
            #expect(verifier.current!.problems.isEmpty)
        }
    }

    /// A trusted signer wrote an expiry beyond the store's maximum lifetime: it is capped and reported.
    @Test func anExpiryBeyondTheMaximumLifetimeIsCapped() throws {
        let fixture = try VerifierFixture()
        let following = try fixture.verifier()
        guard case .loaded = following.refresh() else { Issue.record("first load refused"); return }
        let now = Date()
        let far = try fixture.craftedToken("forever", expires: now.addingTimeInterval(86_400 * 1_000))
        let head = try fixture.commitFiles([far.path: far.file], message: "a token for 1000 days")
        let seconds = try #require(TimeInterval(git(["log", "-1", "--format=%ct", head], in: fixture.store).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let committed = Date(timeIntervalSince1970: seconds)
        let cap = AuthorizationSnapshot.latestExpiry(since: max(committed, now), maxLifetimeDays: StoreSettings.defaultMaxLifetimeDays)
        for verifier in try bothWays(fixture, following) {
            let snapshot = try #require(verifier.current)
            #expect(snapshot.problems.map(\.path) == [far.path])
            #expect(snapshot.problems.first?.reason.contains("beyond the store's maximum lifetime of 366 days") == true)
            #expect(Authorizer.decide(snapshot.authorization, token: far.value, method: "environment.Deployment.Deploy", at: now).isAllowed)
            let later = Authorizer.decide(snapshot.authorization, token: far.value, method: "environment.Deployment.Deploy",
                                          at: cap.addingTimeInterval(1))
            #expect(later.result == .expiredToken)
            #expect(later.error?.contains("reached the store's maximum lifetime at \(Timestamp.format(cap)) (its file says it expires") == true,
                    "\(later.error ?? "")")
        }
        // Tokens pat itself writes are never touched by the cap.
        let (_, secret) = try fixture.base.generate("normal", expires: "+366d")
        for verifier in try bothWays(fixture, following) {
            #expect(verifier.current!.problems.map(\.path) == [far.path])
            #expect(fixture.decide(verifier, secret.value).isAllowed)
        }
    }

    /// The cap counts from the later of the head commit's date and the newest token's creation: one commit from a
    /// machine whose clock was reset to the past does not expire every token.
    @Test func aCommitDatedInThePastExpiresNothing() throws {
        let fixture = try VerifierFixture()
        let (_, secret) = try fixture.base.generate("in use", expires: "+30d")
        let following = try fixture.verifier()
        guard case .loaded = following.refresh() else { Issue.record("first load refused"); return }
        try fixture.commitFiles(["notes/clock": "reset\n"], message: "from a machine whose clock says 1971",
                                date: "1971-01-01T00:00:00Z")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, secret.value).isAllowed, "\(fixture.decide(verifier, secret.value).error ?? "")")
            #expect(verifier.current!.problems.isEmpty)
        }
    }

    /// When the cap moves earlier (the token that was created last goes), a reload reports every token beyond it,
    /// exactly as a cold load does, those in shards the commit did not touch included.
    @Test func aReloadReportsWhatAColdLoadReportsWhenTheCapMovesEarlier() throws {
        let fixture = try VerifierFixture()
        let day: TimeInterval = 86_400
        let now = Date()
        let lasting = try fixture.craftedToken("lasting", expires: now.addingTimeInterval(500 * day))
        let future = try fixture.craftedToken("from the future", created: now.addingTimeInterval(300 * day),
                                              expires: now.addingTimeInterval(310 * day))
        try #require(lasting.path.split(separator: "/")[1] != future.path.split(separator: "/")[1], "the two tokens share a shard")
        let following = try fixture.verifier()
        try fixture.commitFiles([lasting.path: lasting.file, future.path: future.file], message: "two tokens")
        for verifier in try bothWays(fixture, following) {
            #expect(verifier.current!.problems.isEmpty, "\(verifier.current!.problems)")
        }
        try fixture.commitFiles([future.path: nil], message: "the newest token goes")
        for verifier in try bothWays(fixture, following) {
            #expect(verifier.current!.problems.map(\.path) == [lasting.path])
        }
    }

    /// A token granting a forbidden method is denied by the verifier too, whoever signed it; lifting the rule brings
    /// it back, on a reload as on a cold load.
    @Test func forbiddenMethodsAreDeniedByTheVerifier() throws {
        let fixture = try VerifierFixture()
        let following = try fixture.verifier()
        guard case .loaded = following.refresh() else { Issue.record("first load refused"); return }
        let settings = try git(["show", "main:pat.json"], in: fixture.store).stdout
        var forbidding = try StoreSettings.decode(Array(settings.utf8))
        forbidding.forbiddenMethods = ["environment.Control.*"]
        let token = try fixture.craftedToken("stopper", methods: ["environment.Control.StopEnv"])
        try fixture.commitFiles(["pat.json": forbidding.encoded(), token.path: token.file], message: "forbid, and a token anyway")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, token.value, "environment.Control.StopEnv").result == .unknownToken)
            #expect(verifier.current!.problems.first?.reason.contains("which the store's settings forbid") == true,
                    "\(verifier.current!.problems)")
        }
        try fixture.commitFiles(["pat.json": settings], message: "lift it")
        for verifier in try bothWays(fixture, following) {
            #expect(fixture.decide(verifier, token.value, "environment.Control.StopEnv").isAllowed)
        }
    }
}
