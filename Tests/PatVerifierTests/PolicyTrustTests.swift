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

    // MARK: Found by attacking the first version

    /// A tree with two entries of one name (git never writes one): the clean-merge check must not collapse them.
    @Test func aForgeMergeWithADuplicateFolderEntryIsRefused() throws {
        let (history, policy) = try Self.withPolicy { $0.merges = .verifiedClean }
        let token = try history.craftedToken("branch")
        let side = try history.commit(try history.tree(policy, adding: [token.path: token.file]), parents: [policy], message: "side")
        let mallory = try history.craftedToken("mallory's")
        let clean = try history.tree(policy, adding: [token.path: token.file])
        // tokens/ of the clean merge, plus a second entry under the name of the branch token's shard holding mallory's file
        let shard = String(token.path.split(separator: "/")[1])
        let malloryShard = try run("git", ["-C", history.store, "mktree"], stdin: "100644 blob \(try run("git", ["-C", history.store, "hash-object", "-w", "--stdin"], stdin: mallory.file).stdout.trimmingCharacters(in: .newlines))\t\(mallory.path.split(separator: "/")[2])\n").stdout.trimmingCharacters(in: .newlines)
        let tokens = try git(["rev-parse", "\(clean):tokens"], in: history.store).stdout.trimmingCharacters(in: .newlines)
        var raw: [UInt8] = []
        for line in try git(["ls-tree", tokens], in: history.store).stdout.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            let meta = parts[0].split(separator: " ")
            func entry(_ mode: Substring, _ name: Substring, _ hex: String) {
                raw += Array("\(mode == "040000" ? "40000" : String(mode)) \(name)".utf8) + [0]
                raw += stride(from: 0, to: 40, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
            }
            entry(meta[0], parts[1], String(meta[2]))
            if parts[1] == shard { entry("040000", parts[1], malloryShard) }
        }
        let dir = history.fixture.base.directory.file("raw-tree")
        try Data(raw).write(to: URL(fileURLWithPath: dir))
        let badTokens = try git(["hash-object", "-t", "tree", "--literally", "-w", dir], in: history.store).stdout.trimmingCharacters(in: .newlines)
        let top = try git(["ls-tree", clean], in: history.store).stdout.replacingOccurrences(of: tokens, with: badTokens)
        let badTop = try run("git", ["-C", history.store, "mktree"], stdin: top).stdout.trimmingCharacters(in: .newlines)
        try history.setMain(try Self.unsigned(history, badTop, parents: [policy, side], message: "Merge"))
        try Self.expectRefused(history, "appears twice in one folder of the merge")
        #expect(!history.decide(history.verifier, mallory.value).isAllowed)
    }

    /// Building on another signer's unmerged branch does not make that signer an approver of what lands.
    @Test func anotherSignersEarlierCommitIsNoApproval() throws {
        let (history, policy) = try Self.twoSigners()
        let bobs = try history.craftedToken("bob's")
        let mine = try history.craftedToken("alice's")
        let b = try history.commit(try history.tree(policy, adding: [bobs.path: bobs.file]), parents: [policy], key: history.bobKey, message: "bob")
        let c = try history.commit(try history.tree(policy, adding: [mine.path: mine.file]), parents: [b], message: "alice on bob's branch")
        try history.setMain(try history.commit(try treeOf(history, c), parents: [policy, c], message: "alice merges alone"))
        try Self.expectRefused(history, "and it has 1 (alice@example.com)")
        #expect(!history.decide(history.verifier, mine.value).isAllowed)
    }

    /// An approval given before main revoked a token does not let one signer put the token back with a merge.
    @Test func aStaleApprovalCannotUndoARevocation() throws {
        let (history, policy) = try Self.twoSigners()
        let leaked = try history.craftedToken("leaked later")
        // X lands with two signatures
        let add = try history.commit(try history.tree(policy, adding: [leaked.path: leaked.file]), parents: [policy], message: "add X")
        let added = try history.commit(try treeOf(history, add), parents: [add], key: history.bobKey,
                                       message: "Approve\n\nPat-Approve: \(try treeOf(history, add))")
        // a branch with X in it, approved by bob
        let other = try history.craftedToken("other")
        let feat = try history.commit(try history.tree(added, adding: [other.path: other.file]), parents: [added], message: "feat")
        let featTree = try treeOf(history, feat)
        let approved = try history.commit(featTree, parents: [feat], key: history.bobKey, message: "Approve\n\nPat-Approve: \(featTree)")
        // main revokes X, with two signatures
        let index = history.fixture.base.directory.file("index-revoke")
        try history.fixture.check(git(["read-tree", added], in: history.store, environment: ["GIT_INDEX_FILE": index]))
        try history.fixture.check(git(["rm", "-q", "--cached", leaked.path], in: history.store, environment: ["GIT_INDEX_FILE": index]))
        let without = try git(["write-tree"], in: history.store, environment: ["GIT_INDEX_FILE": index]).stdout.trimmingCharacters(in: .newlines)
        let revoke = try history.commit(without, parents: [added], message: "revoke X")
        let revoked = try history.commit(without, parents: [revoke], key: history.bobKey, message: "Approve\n\nPat-Approve: \(without)")
        try history.setMain(revoked)
        try history.expectAccepted(revoked)
        // alice merges the branch with its tree exactly: X back
        try history.setMain(try history.commit(featTree, parents: [revoked, approved], message: "merge feat as approved"))
        try Self.expectRefused(history, "and it has 1 (alice@example.com)")
        #expect(!history.decide(history.verifier, leaked.value).isAllowed)
    }

    /// A policy nobody can meet (more approvals than signers) does not lock the store, and a damaged pat.json can be
    /// repaired by the next commit.
    @Test func noLockouts() throws {
        let (history, policy) = try Self.twoSigners()
        let three = try history.tree(policy, adding: ["pat.json": try Self.settings(history, at: policy) { $0.requiredApprovals = 3 }])
        let raise = try history.commit(three, parents: [policy], message: "three")
        let raised = try history.commit(three, parents: [raise], key: history.bobKey, message: "Approve\n\nPat-Approve: \(three)")
        let token = try history.craftedToken("after")
        let change = try history.commit(try history.tree(raised, adding: [token.path: token.file]), parents: [raised], message: "change")
        let tree = try treeOf(history, change)
        let approved = try history.commit(tree, parents: [change], key: history.bobKey, message: "Approve\n\nPat-Approve: \(tree)")
        try history.setMain(approved)
        try history.expectAccepted(approved)

        // a damaged pat.json (with its approvals), then a repair
        let broken = try history.tree(approved, adding: ["pat.json": "{\"format\": 1}\n"])
        let breaking = try history.commit(broken, parents: [approved], message: "oops")
        let brokenApproved = try history.commit(broken, parents: [breaking], key: history.bobKey, message: "Approve\n\nPat-Approve: \(broken)")
        let fixed = try history.tree(brokenApproved, taking: ["pat.json": approved])
        let repair = try history.commit(fixed, parents: [brokenApproved], message: "repair")
        let repaired = try history.commit(fixed, parents: [repair], key: history.bobKey, message: "Approve\n\nPat-Approve: \(fixed)")
        try history.setMain(repaired)
        try history.expectAccepted(repaired)
    }
}
