import Crypto
import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore
import PatTestSupport
import Testing
@testable import PatVerifier

/// The merge-aware trust rule (docs/trust-rule.md), attacked with commit graphs made by the real git's plumbing:
/// a key removed from the main line signs nothing that lands after its removal, whatever the graph's shape.
@Suite struct MergeTrustTests {
    /// C0 init (alice) -> C1 `signers add bob` -> C2 generate -> C3 `signers remove bob` -> C4 generate, and a
    /// verifier with a state file that has verified C4.
    final class History {
        let fixture: VerifierFixture
        let bobKey: String
        let c: [String]
        let verifier: StoreVerifier
        let aliceToken: String
        var store: String { fixture.store }

        init() throws {
            fixture = try VerifierFixture()
            let base = fixture.base
            let (bobPath, bob) = try writeKey(in: base.directory, name: "bob", comment: "bob@example.com")
            bobKey = bobPath
            var ids = [try fixture.head()]
            try base.store.addSigner("bob@example.com", key: bob.publicKey, base.options)
            ids.append(try fixture.head())
            aliceToken = try base.generate("alice's").secret.value
            ids.append(try fixture.head())
            try base.store.removeSigner("bob@example.com", base.options)
            ids.append(try fixture.head())
            try base.generate("later")
            ids.append(try fixture.head())
            c = ids
            verifier = try fixture.verifier()
            guard case .loaded(let snapshot) = verifier.refresh(), snapshot.commit == c[4] else {
                throw VerifierFixture.Failed(description: "the straight history was refused")
            }
        }

        /// A tree: `base`'s tree with files added, and files taken as they are in other commits.
        func tree(_ base: String, adding files: [String: String] = [:], taking: [String: String] = [:]) throws -> String {
            let index = fixture.base.directory.file("index-\(UUID().uuidString)")
            let environment = ["GIT_INDEX_FILE": index]
            try fixture.check(git(["read-tree", base], in: store, environment: environment))
            for (path, content) in files {
                let blob = try run("git", ["-C", store, "hash-object", "-w", "--stdin"], stdin: content).stdout
                    .trimmingCharacters(in: .newlines)
                try fixture.check(git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], in: store, environment: environment))
            }
            for (path, commit) in taking {
                let blob = try git(["rev-parse", "\(commit):\(path)"], in: store).stdout.trimmingCharacters(in: .newlines)
                try fixture.check(git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], in: store, environment: environment))
            }
            return try git(["write-tree"], in: store, environment: environment).stdout.trimmingCharacters(in: .newlines)
        }

        /// `git commit-tree -S` with the given key (alice's by default); `key: nil` for alice.
        /// `date`: the commit's author and committer date (git's own format), which a signer is free to choose.
        func commit(_ tree: String, parents: [String], key: String? = nil, message: String, date: String? = nil) throws -> String {
            var environment = ["GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": "x@example.com",
                               "GIT_COMMITTER_NAME": "X", "GIT_COMMITTER_EMAIL": "x@example.com"]
            if let date { environment["GIT_AUTHOR_DATE"] = date; environment["GIT_COMMITTER_DATE"] = date }
            let result = try git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key ?? fixture.base.keyPath)", "commit-tree", tree]
                + parents.flatMap { ["-p", $0] } + ["-S", "-m", message], in: store, environment: environment)
            try fixture.check(result)
            return result.stdout.trimmingCharacters(in: .newlines)
        }

        /// Ten main-line commits after `start`, dated in 2001: more than the five a revwalk reads past the last
        /// interesting date before it stops.
        func pastDatedMainLine(from start: String) throws -> String {
            var tip = start
            for index in 1...10 {
                tip = try commit(try tree(tip, adding: ["notes/\(index)": "\(index)\n"]), parents: [tip],
                                 message: "dated 2001, \(index)", date: "2001-01-01T00:00:\(10 + index)Z")
            }
            return tip
        }

        func setMain(_ commit: String) throws { try fixture.check(git(["update-ref", "refs/heads/main", commit], in: store)) }

        func craftedToken(_ description: String) throws -> (path: String, file: String, value: String) {
            try fixture.craftedToken(description)
        }

        /// Bob's side branch from C2 (where he was still trusted) adding his own token.
        func bobsSideBranch() throws -> (commit: String, token: (path: String, file: String, value: String)) {
            let token = try craftedToken("bob's")
            let x = try commit(try tree(c[2], adding: [token.path: token.file]), parents: [c[2]], key: bobKey, message: "bob's token")
            return (x, token)
        }

        func decide(_ verifier: StoreVerifier, _ value: String) -> Decision {
            Authorizer.decide(verifier.current?.authorization, token: value, method: "environment.Deployment.Deploy", at: Date())
        }

        /// Fresh verifiers that know nothing of C4: pinned signers without state, and the first commit as trust root.
        func freshVerifiers() throws -> [StoreVerifier] {
            [try StoreVerifier(path: store, trustRoot: TrustRoot.load(allowedSignersFile: fixture.pinned)),
             try StoreVerifier(path: store, trustRoot: .commit(ObjectID(hex: c[0])!))]
        }

        /// The head is refused by the verifier that follows the branch (for `reason`) and by fresh ones (for `fresh`,
        /// when they see it otherwise); the crafted token never works.
        func expectRefused(_ reason: String, fresh: String? = nil, token: String? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            for (index, candidate) in ([verifier] + (try freshVerifiers())).enumerated() {
                guard case .refused(let error) = candidate.refresh() else {
                    Issue.record("the head was accepted", sourceLocation: sourceLocation)
                    continue
                }
                let expected = index == 0 ? reason : fresh ?? reason
                #expect(error.description.contains(expected), "\(error)", sourceLocation: sourceLocation)
                if let token { #expect(!decide(candidate, token).isAllowed, sourceLocation: sourceLocation) }
            }
            #expect(verifier.current?.commit == c[4], "the last verified snapshot keeps answering", sourceLocation: sourceLocation)
            #expect(decide(verifier, aliceToken).isAllowed, sourceLocation: sourceLocation)
        }

        func expectAccepted(_ head: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for candidate in [verifier] + (try freshVerifiers()) {
                guard case .loaded(let snapshot) = candidate.refresh() else {
                    Issue.record("refused: \(candidate.status.lastRefusal ?? "")", sourceLocation: sourceLocation)
                    continue
                }
                #expect(snapshot.commit == head, sourceLocation: sourceLocation)
            }
        }
    }

    /// The attack that was found: bob merges his pre-removal side branch with bob's signature, the side branch
    /// as first parent, and puts his key back into allowed_signers.
    @Test func aRemovedSignerMergingHisOldSideBranchFirst() throws {
        let history = try History()
        let (x, token) = try history.bobsSideBranch()
        let tree = try history.tree(history.c[4], adding: [token.path: token.file], taking: ["allowed_signers": history.c[2]])
        try history.setMain(try history.commit(tree, parents: [x, history.c[4]], key: history.bobKey, message: "merge"))
        try history.expectRefused("along its first parents", fresh: "a merge's signer must be trusted on both sides", token: token.value)
    }

    @Test func aRemovedSignerMergingWithTheMainLineFirst() throws {
        let history = try History()
        let (x, token) = try history.bobsSideBranch()
        let tree = try history.tree(history.c[4], adding: [token.path: token.file])
        try history.setMain(try history.commit(tree, parents: [history.c[4], x], key: history.bobKey, message: "merge"))
        try history.expectRefused("which its parent's allowed_signers does not trust", token: token.value)
    }

    /// A trusted signer cannot launder the removed key's old work either: what a merge brings in is judged where it lands.
    @Test func aTrustedSignerMergingTheRemovedSignersSideBranch() throws {
        let history = try History()
        let (x, token) = try history.bobsSideBranch()
        let tree = try history.tree(history.c[4], adding: [token.path: token.file])
        try history.setMain(try history.commit(tree, parents: [history.c[4], x], message: "merge bob's work"))
        try history.expectRefused("which merge", token: token.value)
        try history.expectRefused("where it lands", token: token.value)
    }

    @Test func aTrustedSignersOwnSideBranchMergesCleanly() throws {
        let history = try History()
        let token = try history.craftedToken("alice's side")
        let y = try history.commit(try history.tree(history.c[2], adding: [token.path: token.file]), parents: [history.c[2]],
                                   message: "side work")
        let merge = try history.commit(try history.tree(history.c[4], adding: [token.path: token.file]),
                                       parents: [history.c[4], y], message: "merge side work")
        try history.setMain(merge)
        try history.expectAccepted(merge)
        #expect(history.decide(history.verifier, token.value).isAllowed)
        // stock git agrees that every commit is signed
        for commit in [y, merge] {
            let verify = try git(["-c", "gpg.ssh.allowedSignersFile=\(history.fixture.pinned)", "verify-commit", commit], in: history.store)
            #expect(verify.status == 0, "\(verify.stderr)")
        }
    }

    /// Commit dates are the signer's choice: a main line dated in the past and a side branch dated in the future
    /// make a date-driven revwalk count the whole shared history as brought in by the merge (down to the first
    /// commit: "unrelated history"). What a merge brings in is decided by the graph alone.
    @Test func aCleanMergeWithSkewedCommitDates() throws {
        let history = try History()
        let token = try history.craftedToken("side")
        let pastLine = try history.pastDatedMainLine(from: history.c[4])
        let future = try history.commit(try history.tree(history.c[4], adding: [token.path: token.file]), parents: [history.c[4]],
                                        message: "dated 2099", date: "2099-01-01T00:00:00Z")
        // git's own `rev-list main^1..main^2` counts the shared history as brought in, too
        let merge = try history.commit(try history.tree(pastLine, adding: [token.path: token.file]), parents: [pastLine, future],
                                       message: "merge")
        let revList = try git(["rev-list", "\(pastLine)..\(future)"], in: history.store).stdout.split(separator: "\n")
        #expect(revList.count > 1, "the skew misleads a date-driven walk")
        try history.setMain(merge)
        try history.expectAccepted(merge)
        #expect(history.decide(history.verifier, token.value).isAllowed)

        // the same skew does not hide what a merge really brings in: bob's old side branch is still refused
        let attacked = try History()
        let (x, bobs) = try attacked.bobsSideBranch()
        let old = try attacked.pastDatedMainLine(from: attacked.c[4])
        let bobsMerge = try attacked.commit(try attacked.tree(old, adding: [bobs.path: bobs.file]), parents: [old, x],
                                            message: "merge", date: "2099-01-01T00:00:00Z")
        try attacked.setMain(bobsMerge)
        try attacked.expectRefused("where it lands", token: bobs.value)
    }

    /// Each side of a criss-cross has merged the other; one of the side commits is the removed key's.
    @Test func crissCrossMerges() throws {
        let history = try History()
        let c = history.c
        let (x, token) = try history.bobsSideBranch()
        let a5 = try history.commit(try history.tree(c[4], adding: ["notes/a": "a\n"]), parents: [c[4]], message: "a5")
        // the side merges main in, main merges the side in, and the two merges meet
        let sideMerge = try history.commit(try history.tree(a5, adding: [token.path: token.file]), parents: [x, a5], message: "side takes main")
        let mainMerge = try history.commit(try history.tree(a5, adding: [token.path: token.file]), parents: [a5, x], message: "main takes side")
        let meet = try history.commit(try history.tree(a5, adding: [token.path: token.file]), parents: [mainMerge, sideMerge], message: "meet")
        try history.setMain(meet)
        try history.expectRefused("where it lands", token: token.value)

        // the same shape with only trusted work is accepted
        let clean = try History()
        let good = try clean.craftedToken("side")
        let y = try clean.commit(try clean.tree(clean.c[2], adding: [good.path: good.file]), parents: [clean.c[2]], message: "y")
        let b5 = try clean.commit(try clean.tree(clean.c[4], adding: ["notes/b": "b\n"]), parents: [clean.c[4]], message: "b5")
        let side = try clean.commit(try clean.tree(b5, adding: [good.path: good.file]), parents: [y, b5], message: "side takes main")
        let main = try clean.commit(try clean.tree(b5, adding: [good.path: good.file]), parents: [b5, y], message: "main takes side")
        let joined = try clean.commit(try clean.tree(b5, adding: [good.path: good.file]), parents: [main, side], message: "meet")
        try clean.setMain(joined)
        try clean.expectAccepted(joined)
        #expect(clean.decide(clean.verifier, good.value).isAllowed)
    }

    /// The verified head reachable only through a second parent is a rollback of the main line.
    @Test func theVerifiedHeadOnTheSideOfAMerge() throws {
        let history = try History()
        let fork = try history.commit(try history.tree(history.c[2], adding: ["notes/f": "f\n"]), parents: [history.c[2]], message: "fork")
        let merge = try history.commit(try history.tree(history.c[4]), parents: [fork, history.c[4]], message: "verified history on the side")
        try history.setMain(merge)
        guard case .refused(let error) = history.verifier.refresh() else { Issue.record("accepted"); return }
        #expect(error.description.contains("does not descend from the last verified head"))
        // a pinned root commit must be on the main line too
        let pinnedOnSide = try StoreVerifier(path: history.store, trustRoot: .commit(ObjectID(hex: history.c[3])!))
        guard case .refused(let rootError) = pinnedOnSide.refresh() else { Issue.record("accepted"); return }
        #expect(rootError.description.contains("is not on the main line"))
    }

    @Test func octopusMergesAreRefused() throws {
        let history = try History()
        let side1 = try history.commit(try history.tree(history.c[4], adding: ["notes/1": "1\n"]), parents: [history.c[4]], message: "1")
        let side2 = try history.commit(try history.tree(history.c[4], adding: ["notes/2": "2\n"]), parents: [history.c[4]], message: "2")
        let octopus = try history.commit(try history.tree(history.c[4], adding: ["notes/1": "1\n", "notes/2": "2\n"]),
                                         parents: [history.c[4], side1, side2], message: "octopus")
        try history.setMain(octopus)
        try history.expectRefused("a merge of 3 parents")
    }

    @Test func aMergeBringingInUnrelatedHistory() throws {
        let history = try History()
        let orphan = try history.commit(try history.tree(history.c[4]), parents: [], message: "another first commit")
        let merge = try history.commit(try history.tree(history.c[4]), parents: [history.c[4], orphan], message: "merge")
        try history.setMain(merge)
        try history.expectRefused("a first commit of another history")
    }

    /// An unsigned commit in the middle of a merged side branch.
    @Test func anUnsignedCommitInsideAMergedBranch() throws {
        let history = try History()
        let token = try history.craftedToken("side")
        let tree = try history.tree(history.c[4], adding: [token.path: token.file])
        let unsigned = try git(["commit-tree", tree, "-p", history.c[4], "-m", "unsigned"], in: history.store,
                               environment: ["GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": "x@example.com",
                                             "GIT_COMMITTER_NAME": "X", "GIT_COMMITTER_EMAIL": "x@example.com"])
            .stdout.trimmingCharacters(in: .newlines)
        let signedOnTop = try history.commit(tree, parents: [unsigned], message: "signed on top")
        let merge = try history.commit(tree, parents: [history.c[4], signedOnTop], message: "merge")
        try history.setMain(merge)
        try history.expectRefused("is not signed", token: token.value)
    }
}
