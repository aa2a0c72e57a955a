import Foundation
import PatCore
import PatGit
import PatTestSupport
import Testing
@testable import PatVerifier

/// The policy half of the trust rule (docs/pull-requests.md): forge merges under `merges: verified-clean`, and
/// `requiredApprovals`, built with git's plumbing on the history C0..C4 of `MergeTrustTests` (bob added in C1 and
/// removed in C3).
@Suite struct PolicyTrustTests {
    typealias History = MergeTrustTests.History

    /// `pat.json` of `commit` with the policy changed.
    static func settings(_ history: History, at commit: String, _ change: (inout StoreSettings) -> Void) throws -> String {
        var settings = try StoreSettings.decode(Array(git(["show", "\(commit):pat.json"], in: history.store).stdout.utf8))
        change(&settings)
        return settings.encoded()
    }

    /// A commit by alice on top of C4 that sets the policy, and main moved there.
    static func withPolicy(_ change: (inout StoreSettings) -> Void) throws -> (History, String) {
        let history = try History()
        let tree = try history.tree(history.c[4], adding: ["pat.json": try settings(history, at: history.c[4], change)])
        let commit = try history.commit(tree, parents: [history.c[4]], message: "policy")
        try history.setMain(commit)
        try history.expectAccepted(commit)
        return (history, commit)
    }

    /// A commit without a signature, as a forge's merge button makes it.
    static func unsigned(_ history: History, _ tree: String, parents: [String], message: String) throws -> String {
        let result = try git(["commit-tree", tree] + parents.flatMap { ["-p", $0] } + ["-m", message], in: history.store,
                             environment: ["GIT_AUTHOR_NAME": "Forge", "GIT_AUTHOR_EMAIL": "noreply@forge.example",
                                           "GIT_COMMITTER_NAME": "Forge", "GIT_COMMITTER_EMAIL": "noreply@forge.example"])
        try history.fixture.check(result)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Refused by every verifier: the one that followed to `verified`, and fresh ones.
    static func expectRefused(_ history: History, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for candidate in [history.verifier] + (try history.freshVerifiers()) {
            guard case .refused(let error) = candidate.refresh() else {
                Issue.record("the head was accepted", sourceLocation: sourceLocation)
                continue
            }
            #expect(error.description.contains(reason), "\(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Forge merges

    @Test func aForgeMergeOfSignedWorkIsAcceptedWhenItsTreeIsTheCleanMerge() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let token = try history.craftedToken("from the branch")
        let side = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "side")
        // main moved on meanwhile, on other files: the clean merge takes both
        let moved = try history.commit(try history.tree(policy, adding: ["notes/main": "main\n"]), parents: [policy], message: "main")
        let merged = try history.tree(moved, adding: [token.path: token.file])
        let merge = try Self.unsigned(history, merged, parents: [moved, side], message: "Merge pull request #1")
        try history.setMain(merge)
        try history.expectAccepted(merge)
        #expect(history.decide(history.verifier, token.value).isAllowed)
    }

    @Test func aForgeMergeThatAddsWhatNoSideSignedIsRefused() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let token = try history.craftedToken("from the branch")
        let smuggled = try history.craftedToken("in neither parent")
        let side = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "side")
        let tree = try history.tree(policy, adding: [token.path: token.file, smuggled.path: smuggled.file])
        try history.setMain(try Self.unsigned(history, tree, parents: [policy, side], message: "Merge pull request #2"))
        try Self.expectRefused(history, "\(smuggled.path) is in the merge but in the clean merge of its parents it is not")
        #expect(!history.decide(history.verifier, smuggled.value).isAllowed)
    }

    /// A forge merge that undoes a removal: the branch forked before a token was removed on main.
    @Test func aForgeMergeCannotBringBackWhatMainRemoved() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let leaked = try history.craftedToken("leaked")
        let added = try history.commit(try history.tree(policy, adding: [leaked.path: leaked.file]), parents: [policy], message: "add")
        let side = try history.commit(try history.tree(added, adding: ["notes/side": "side\n"]), parents: [added], message: "side")
        let index = history.fixture.base.directory.file("index-removal")
        try history.fixture.check(git(["read-tree", added], in: history.store, environment: ["GIT_INDEX_FILE": index]))
        try history.fixture.check(git(["rm", "-q", "--cached", leaked.path], in: history.store, environment: ["GIT_INDEX_FILE": index]))
        let withoutLeaked = try git(["write-tree"], in: history.store, environment: ["GIT_INDEX_FILE": index]).stdout
            .trimmingCharacters(in: .newlines)
        let removal = try history.commit(withoutLeaked, parents: [added], message: "remove the leaked token")
        // the forge's tree keeps the leaked token, as if the merge base were older than its creation
        let tree = try history.tree(added, adding: ["notes/side": "side\n"])
        try history.setMain(try Self.unsigned(history, tree, parents: [removal, side], message: "Merge pull request #3"))
        try Self.expectRefused(history, "\(leaked.path) is in the merge but in the clean merge of its parents it is not")
        #expect(!history.decide(history.verifier, leaked.value).isAllowed)
    }

    @Test func aForgeMergeWhereBothSidesChangedOneFileIsRefused() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let side = try history.commit(try history.tree(policy, adding: ["notes/shared": "side\n"]), parents: [policy], message: "side")
        let main = try history.commit(try history.tree(policy, adding: ["notes/shared": "main\n"]), parents: [policy], message: "main")
        try history.setMain(try Self.unsigned(history, try history.tree(main), parents: [main, side], message: "Merge"))
        try Self.expectRefused(history, "notes/shared was changed on both sides")
    }

    @Test func squashAndRebaseMergesAreRefusedNamingTheStylesThatWork() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let token = try history.craftedToken("squashed")
        try history.setMain(try Self.unsigned(history, try history.tree(policy, adding: [token.path: token.file]), parents: [policy],
                                              message: "Squashed change (#4)"))
        try Self.expectRefused(history, "a squash or rebase merge makes new commits that no trusted key signed")
        #expect(!history.decide(history.verifier, token.value).isAllowed)
    }

    @Test func underTheDefaultPolicyAForgeMergeIsRefused() throws {
        let history = try History()
        let token = try history.craftedToken("side")
        let side = try history.commit(try history.tree(history.c[4], adding: [token.path: token.file]), parents: [history.c[4]], message: "side")
        try history.setMain(try Self.unsigned(history, try history.tree(history.c[4], adding: [token.path: token.file]),
                                              parents: [history.c[4], side], message: "Merge"))
        try Self.expectRefused(history, "is not signed")
    }

    /// The commit that allows forge merges is judged by the old policy: it cannot itself be a forge merge.
    @Test func aForgeMergeCannotAllowItself() throws {
        let history = try History()
        let side = try history.commit(try history.tree(history.c[4], adding: ["notes/s": "s\n"]), parents: [history.c[4]], message: "side")
        let tree = try history.tree(history.c[4], adding: ["notes/s": "s\n",
                                                            "pat.json": try Self.settings(history, at: history.c[4]) { $0.merges = .verifiedClean }])
        try history.setMain(try Self.unsigned(history, tree, parents: [history.c[4], side], message: "Merge"))
        try Self.expectRefused(history, "is not signed")
    }

    // MARK: Approvals

    /// Bob is a signer again (added back by alice) and the store requires two.
    static func twoSigners() throws -> (History, String) {
        let history = try History()
        let pub = try run("ssh-keygen", ["-y", "-f", history.bobKey]).stdout
        let signers = try git(["show", "\(history.c[4]):allowed_signers"], in: history.store).stdout
            + "bob@example.com namespaces=\"git\" " + pub.split(separator: " ").prefix(2).joined(separator: " ") + "\n"
        let readd = try history.commit(try history.tree(history.c[4], adding: ["allowed_signers": signers]), parents: [history.c[4]],
                                       message: "bob again")
        let tree = try history.tree(readd, adding: ["pat.json": try settings(history, at: readd) { $0.requiredApprovals = 2 }])
        let policy = try history.commit(tree, parents: [readd], message: "two signers per change")
        try history.setMain(policy)
        try history.expectAccepted(policy)
        return (history, policy)
    }

    func treeOf(_ history: History, _ commit: String) throws -> String {
        try git(["rev-parse", "\(commit)^{tree}"], in: history.store).stdout.trimmingCharacters(in: .newlines)
    }

    @Test func aChangeWithoutApprovalIsRefusedAndAnApprovalBringsItIn() throws {
        let (history, policy) = try Self.twoSigners()
        let token = try history.craftedToken("needs two")
        let change = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "change")
        try history.setMain(change)
        try Self.expectRefused(history, "requires the signatures of 2 different signers for every change, and it has 1 (alice@example.com)")
        #expect(!history.decide(history.verifier, token.value).isAllowed)

        let tree = try treeOf(history, change)
        let approval = try history.commit(tree, parents: [change], key: history.bobKey, message: "Approve\n\nPat-Approve: \(tree)")
        try history.setMain(approval)
        try history.expectAccepted(approval)
        #expect(history.decide(history.verifier, token.value).isAllowed)
    }

    @Test(arguments: ["by the author", "for another tree", "unsigned trailer only"])
    func approvalsThatDoNotCount(kind: String) throws {
        let (history, policy) = try Self.twoSigners()
        let token = try history.craftedToken("needs two")
        let change = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "change")
        let tree = try treeOf(history, change)
        let approval: String
        switch kind {
        case "by the author":
            approval = try history.commit(tree, parents: [change], message: "Approve\n\nPat-Approve: \(tree)")
        case "for another tree":
            approval = try history.commit(tree, parents: [change], key: history.bobKey, message: "Approve\n\nPat-Approve: \(try treeOf(history, policy))")
        default:
            // bob's name in the trailer, but alice signs it
            approval = try history.commit(tree, parents: [change], message: "Approve by bob@example.com\n\nPat-Approve: \(tree)")
        }
        try history.setMain(approval)
        try Self.expectRefused(history, "and it has 1 (alice@example.com)")
    }

    /// A change on a branch merged by another signer carries two: its author's and the merger's.
    @Test func aMergeBySomeoneElseCountsAsTheSecondSignature() throws {
        let (history, policy) = try Self.twoSigners()
        let token = try history.craftedToken("reviewed")
        let side = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "change")
        let merge = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy, side],
                                       key: history.bobKey, message: "merge")
        try history.setMain(merge)
        try history.expectAccepted(merge)
        #expect(history.decide(history.verifier, token.value).isAllowed)
    }

    /// Weakening the policy needs what the old policy required.
    @Test func loweringTheApprovalsNeedsTheOldNumberOfSignatures() throws {
        let (history, policy) = try Self.twoSigners()
        let tree = try history.tree(policy, adding: ["pat.json": try Self.settings(history, at: policy) { $0.requiredApprovals = 1 }])
        let weaken = try history.commit(tree, parents: [policy], message: "one is enough")
        try history.setMain(weaken)
        try Self.expectRefused(history, "requires the signatures of 2 different signers")
        let approved = try history.commit(tree, parents: [weaken], key: history.bobKey, message: "Approve\n\nPat-Approve: \(tree)")
        try history.setMain(approved)
        try history.expectAccepted(approved)
    }
}
