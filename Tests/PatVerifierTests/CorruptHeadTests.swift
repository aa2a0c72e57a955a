import Foundation
import PatCore
import PatStore
import PatTestSupport
import Testing
@testable import PatVerifier

/// A new head with a damaged object is refused as a whole; the last good snapshot keeps answering; a repair or the
/// next good head is picked up.
@Suite struct CorruptHeadTests {
    func truncate(_ object: String, in store: String) throws -> (path: String, bytes: Data) {
        let path = "\(store)/objects/\(object.prefix(2))/\(object.dropFirst(2))"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        chmod(path, 0o644)
        Foundation.truncate(path, 20)
        return (path, bytes)
    }

    @Test func aTruncatedTokenFileRefusesTheHeadUntilItIsRepaired() throws {
        let fixture = try VerifierFixture()
        let (_, first) = try fixture.base.generate("first")
        let verifier = try fixture.verifier()
        guard case .loaded = verifier.refresh() else { Issue.record("first load refused"); return }

        let (second, secondValue) = try fixture.base.generate("second")
        let blob = try git(["rev-parse", "main:\(second.id.path)"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let saved = try truncate(blob, in: fixture.store)
        guard case .refused(let error) = verifier.refresh() else { Issue.record("a head with a damaged blob was accepted"); return }
        #expect(error.description.contains("loose object \(blob) is damaged"), "\(error)")
        #expect(error.isReadFailure)
        #expect(verifier.status.lastRefusal?.contains(blob) == true)
        #expect(fixture.decide(verifier, first.value).isAllowed, "the last good snapshot answers")
        #expect(fixture.decide(verifier, secondValue.value).result == .unknownToken)

        // Repaired in place: the same head is read again once the retry interval has passed.
        try saved.bytes.write(to: URL(fileURLWithPath: saved.path))
        verifier.retryInterval = 0
        guard case .loaded = verifier.refresh() else { Issue.record("the repaired head stayed refused: \(verifier.status.lastRefusal ?? "")"); return }
        #expect(fixture.decide(verifier, secondValue.value).isAllowed)
    }

    @Test func theNextGoodHeadIsPickedUp() throws {
        let fixture = try VerifierFixture()
        let (_, first) = try fixture.base.generate("first")
        let verifier = try fixture.verifier()
        guard case .loaded = verifier.refresh() else { Issue.record("first load refused"); return }
        let (broken, _) = try fixture.base.generate("broken")
        let blob = try git(["rev-parse", "main:\(broken.id.path)"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try truncate(blob, in: fixture.store)
        guard case .refused = verifier.refresh() else { Issue.record("accepted"); return }
        // The next commit removes the damaged file (git's index needs no content for that): that head is whole.
        let index = ["GIT_INDEX_FILE": fixture.base.directory.file("index"), "GIT_WORK_TREE": fixture.store]
        try fixture.check(git(["read-tree", "main"], in: fixture.store, environment: index))
        try fixture.check(git(["update-index", "--force-remove", broken.id.path], in: fixture.store, environment: index))
        let tree = try git(["write-tree"], in: fixture.store, environment: index).stdout.trimmingCharacters(in: .newlines)
        let commit = try git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(fixture.base.keyPath)", "commit-tree", tree,
                              "-p", "main", "-S", "-m", "remove the damaged token"], in: fixture.store)
        try fixture.check(commit)
        try fixture.check(git(["update-ref", "refs/heads/main", commit.stdout.trimmingCharacters(in: .newlines)], in: fixture.store))
        guard case .loaded = verifier.refresh() else { Issue.record("the next good head was refused: \(verifier.status.lastRefusal ?? "")"); return }
        #expect(fixture.decide(verifier, first.value).isAllowed)
    }

    /// Trust refusals are final for that head: no re-verification on every poll even with no retry interval.
    @Test func aTrustRefusalIsNotRetried() throws {
        let fixture = try VerifierFixture()
        try fixture.base.generate("first")
        let verifier = try fixture.verifier()
        verifier.retryInterval = 0
        guard case .loaded = verifier.refresh() else { Issue.record("first load refused"); return }
        let mallory = try sshKeygen(in: fixture.base.directory, name: "mallory", comment: "mallory")
        try fixture.pull()
        try "{}\n".write(toFile: fixture.work + "/extra.json", atomically: true, encoding: .utf8)
        try fixture.commitAndPush("by mallory", key: mallory)
        guard case .refused(let error) = verifier.refresh() else { Issue.record("accepted"); return }
        #expect(!error.isReadFailure)
        let refusals = verifier.status.refusals
        guard case .refused = verifier.refresh() else { Issue.record("accepted"); return }
        #expect(verifier.status.refusals == refusals, "the same refusal is reported, not re-verified")
    }
}
