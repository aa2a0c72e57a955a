import Foundation
import PatCore
import PatGit
import PatStore
import PatTestSupport
import Testing

/// Merges, settings and signers as pull requests need them; each refusal leaves the store exactly as it was.
@Suite struct BranchOperationsTests {
    func onBranch(_ fixture: StoreFixture, _ branch: String) -> WriteOptions {
        var options = fixture.options
        options.branch = branch
        return options
    }

    /// The branch head that a check judged is the one merged: one that moved since is refused, not merged unseen.
    @Test func aMergeTakesOnlyTheCheckedBranchHead() throws {
        let fixture = try StoreFixture()
        _ = try fixture.store.generate(TokenSettingsRequest(description: "one", expires: "+3d", preset: "Maven Plugin"),
                                       onBranch(fixture, "feat"))
        let checked = try fixture.store.commit(forRevision: "refs/heads/feat")
        let main = try fixture.store.head()
        _ = try fixture.store.generate(TokenSettingsRequest(description: "unseen", expires: "+3d", preset: "Maven Plugin"),
                                       onBranch(fixture, "feat"))
        let before = try fixture.snapshot()
        #expect(throws: StoreError.self) {
            try fixture.store.merge(branch: "feat", checkedBase: main, checkedHead: checked, fixture.options)
        }
        #expect(try fixture.snapshot() == before)
        let merged = try fixture.store.merge(branch: "feat", checkedBase: main,
                                             checkedHead: try fixture.store.commit(forRevision: "refs/heads/feat"), fixture.options)
        #expect(try fixture.store.head() == merged.commit)
    }

    @Test func aPolicyNoSignerSetCouldMeetIsRefused() throws {
        let fixture = try StoreFixture()
        let before = try fixture.snapshot()
        #expect(performing: { try fixture.store.changeSetting("requiredApprovals", to: "2", fixture.options) },
                throws: { "\($0)".contains("requiredApprovals 2 is more than the 1 signer the store trusts") })
        let bob = try writeKey(in: fixture.directory, name: "bob", comment: "bob@example.com").key
        _ = try fixture.store.addSigner("bob@example.com", key: bob.publicKey, fixture.options)
        _ = try fixture.store.changeSetting("requiredApprovals", to: "2", fixture.options)
        let settled = try fixture.snapshot()
        #expect(performing: { try fixture.store.removeSigner("bob@example.com", fixture.options) },
                throws: { "\($0)".contains("would leave 1 signer for a store that requires 2 signatures per change") })
        // one person whatever the case of the principal
        let other = try writeKey(in: fixture.directory, name: "alice2", comment: "alice@example.com").key
        #expect(performing: { try fixture.store.addSigner("Alice@Example.com", key: other.publicKey, fixture.options) },
                throws: { "\($0)".contains("a signer named 'alice@example.com'") })
        #expect(try fixture.snapshot() == settled)
        #expect(before != settled)
    }

    @Test(arguments: ["HEAD", "-x", "a..b", ""])
    func unusableBranchNames(name: String) throws {
        let fixture = try StoreFixture()
        let before = try fixture.snapshot()
        #expect(performing: {
            try fixture.store.generate(TokenSettingsRequest(description: "x", expires: "+1d", preset: "Maven Plugin"), onBranch(fixture, name))
        }, throws: { "\($0)".contains("is not a usable branch name") })
        #expect(try fixture.snapshot() == before)
    }
}
