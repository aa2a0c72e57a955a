import Foundation
import PatCore
import PatGit
import PatSSH

/// What the operator pins outside the store.
public enum TrustRoot: Sendable {
    /// Keys trusted to sign the store's first commit; later commits are judged by their parent's signers file.
    case allowedSigners(AllowedSigners)
    /// The store's first commit (or any verified commit): its own signers file starts the chain.
    case commit(ObjectID)

    public static func load(allowedSignersFile path: String) throws -> TrustRoot {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw VerifierError.unreadableAllowedSigners(path, FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
        }
        do {
            let signers = try AllowedSigners.parse(text)
            guard !signers.entries.isEmpty else { throw VerifierError.unreadableAllowedSigners(path, "it lists no keys") }
            return .allowedSigners(signers)
        } catch let error as AllowedSignersError {
            throw VerifierError.unreadableAllowedSigners(path, error.description)
        }
    }
}

/// What `TrustChain.verifyLanding` found: how the change would land and the approvals it carries.
public struct Landing: Sendable, Equatable {
    public let fastForward: Bool
    /// Distinct principals whose signatures the change carries (authors and approvers; for a fast-forward, the
    /// last state's).
    public let principals: Set<String>
    public let required: Int
    /// Everyone the base trusts: who could still approve.
    public let signers: [String]
    /// For a change that must be merged: the first path main and the branch both changed (a stale base), or
    /// why there is no one clean merge; nil when it merges cleanly.
    public var conflict: String? = nil
    /// The commits the change would bring onto main, oldest first.
    public var commits: [ObjectID] = []
    /// Every commit of the change the trust rule refuses, oldest first: the change cannot land while there is one.
    public var refusals: [VerifierError] = []
    /// For a change that must be merged, where it forked from main (the one merge base), when there is one.
    public var forkPoint: ObjectID? = nil
}

/// The trust rule (docs/trust-rule.md), checked between what is already trusted and a new head:
///
/// 1. The main line of a head is its first-parent chain. The verified head (or the pinned root commit) must be on
///    the main line of every later head: history may only grow forwards along it.
/// 2. Every commit is signed by a key that the allowed_signers of each of its parents trusts (a root commit: the
///    pinned file). A commit never authorises itself, and a merge's signer is trusted on both of its sides.
/// 3. A merge has exactly two parents. Every commit it brings in (reachable from its second parent, not from its
///    first) must be signed by a key its own first parent's allowed_signers trusts AND that the merge's first parent
///    trusts: the signers where it lands. So a key removed from the main line can sign nothing that lands after its
///    removal, however old the side branch it signed on.
///
/// And the policy of the first parent's pat.json (docs/pull-requests.md): with `merges: verified-clean` a main-line
/// merge that no trusted key signed is accepted when its tree is the clean merge of its parents; with
/// `requiredApprovals` N, every state of main carries the signatures of N distinct principals.
///
/// A signature counts only when pat's strict parser finds exactly one SSH signature in the commit's header, over the
/// commit, in the "git" namespace.
struct TrustChain {
    let repository: Repository
    let root: TrustRoot
    /// Parsed by blob id: one entry per distinct file content, however many trees hold it (each commit of a long
    /// branch has a tree of its own, and nearly all share one allowed_signers and one pat.json).
    private var signersByBlob: [ObjectID: AllowedSigners] = [:]
    private var settingsByBlob: [ObjectID: StoreSettings] = [:]
    /// The commits read last: a main-line commit is read again as the parent of the next one, up to four times
    /// (its signers, its settings, its tree, rule 2 of its child).
    private let recent = RecentCommits()

    private final class RecentCommits {
        var commits: [ObjectID: Commit] = [:]
    }

    init(repository: Repository, root: TrustRoot) {
        self.repository = repository
        self.root = root
    }

    /// A commit read once: its strict parse, its tree and its parents as ids.
    private struct Commit {
        let id: ObjectID
        let raw: RawCommit
        let tree: ObjectID
        let parents: [ObjectID]

        /// The tree a `Pat-Approve` trailer names, if the message has one.
        var approvedTree: ObjectID? {
            CommitMessage.trailers(of: raw.message).last { $0.key == CommitMessage.approveTrailer }.flatMap { ObjectID(hex: $0.value) }
        }
    }

    /// A state of main (a main-line commit that changed files) and the principals whose signatures it carries.
    private struct State {
        let commit: ObjectID
        /// The trees an approval may name for it: its own, and for a clean merge its second parent's.
        var trees: Set<ObjectID>
        var principals: Set<String>
        let required: Int
        /// It changes the policy itself: it must carry its approvals before the next state, not only at the head.
        let changesPolicy: Bool
    }

    /// Verifies `head` given that `verified` (if any) was verified before. Throws the first refusal.
    mutating func verify(head: ObjectID, after verified: ObjectID?) throws {
        var base = verified
        if base == nil, case .commit(let pinned) = root { base = pinned }
        // Rule 1: walk the main line back to the base; reaching a root commit without meeting it is a refusal.
        var mainLine: [Commit] = []
        var cursor: ObjectID? = head
        while let id = cursor, id != base {
            let commit = try read(id)
            mainLine.append(commit)
            cursor = commit.parents.first
        }
        if let base, cursor != base {
            if base == verified { throw VerifierError.rollback(head: head.hex, verified: base.hex) }
            throw VerifierError.trustRootNotInHistory(base.hex)
        }
        // Oldest first, so the first refusal names the commit that broke the chain.
        var landed: Set<ObjectID>?
        var open: State?
        for commit in mainLine.reversed() {
            try verifyMainLine(commit, landed: &landed, open: &open)
            landed?.insert(commit.id)
        }
        if let open { try Self.close(open) }
    }

    /// `landed`: every commit reachable from the main line up to the commit's first parent, found by a full walk at
    /// the first merge and grown as the walk goes on (nil until then), so what a merge brings in is exact.
    /// `open`: the latest state of main, still collecting approvals.
    private mutating func verifyMainLine(_ commit: Commit, landed: inout Set<ObjectID>?, open: inout State?) throws {
        guard let landing = commit.parents.first else {
            let key = try signingKey(of: commit)
            guard case .allowedSigners(let pinned) = root else { throw VerifierError.rootCommitNotPinned(commit: commit.id.hex) }
            guard pinned.principal(for: key) != nil else {
                throw VerifierError.untrustedSigner(commit: commit.id.hex, fingerprint: key.fingerprint)
            }
            return
        }
        let policy = try settings(ofCommit: landing, judging: commit.id)
        let trusted = try signers(ofCommit: landing, judging: commit.id)
        let landingTree = try read(landing).tree
        var principals: Set<String> = []
        let isMerge = commit.parents.count == 2
        // A merge under `verified-clean` that no key trusted on both sides signed is a forge's merge: it is checked
        // for cleanness below and vouches for nobody.
        var signedBy: SSHPublicKey?
        do {
            let key = try signingKey(of: commit)
            try checkTrustedByParents(commit, key)
            signedBy = key
        } catch let error as VerifierError where policy.merges == .verifiedClean {
            guard isMerge else { throw VerifierError.notSignedUnderForgeMerges(commit: commit.id.hex, reason: error.description) }
        }
        if let signedBy, let principal = trusted.principal(for: signedBy) { principals.insert(principal) }

        var approvals: [(tree: ObjectID, principal: String)] = []
        var trees: Set<ObjectID> = [commit.tree]
        if isMerge {
            if landed == nil { landed = Set(try repository.history(from: landing)) }
            let brought = try commits(from: commit.parents[1], notIn: landed!)
            var ignored: [VerifierError] = []
            let judged = try judgeBrought(brought, landingSigners: trusted, merge: commit.id, refusals: &ignored)
            let secondTree = try read(commit.parents[1]).tree
            var clean = false
            if signedBy == nil || policy.requiredApprovals > 1 {
                let base = try mergeBase(commit, brought: brought, landed: landed!)
                let mismatch = try CleanMerge.mismatch(base: try base.map { try read($0).tree }, ours: landingTree, theirs: secondTree,
                                                       merged: commit.tree, in: repository)
                if signedBy == nil, let mismatch { throw VerifierError.forgeMergeNotClean(commit: commit.id.hex, reason: mismatch) }
                clean = mismatch == nil
            }
            if clean { trees.insert(secondTree) }
            // A signature from the branch counts for what its signer saw: the branch's tree, when the merge adds only
            // main's own changes to it (a clean merge); the merged tree, when they signed after main's current head.
            // Not for whatever tree lands: a commit on a branch someone else built on, or an approval given before
            // main revoked something the merge puts back, vouches for nothing here.
            let sawLanding = Self.descendants(of: landing, among: brought)
            func counts(_ tree: ObjectID, signedIn side: ObjectID) -> Bool {
                (clean && tree == secondTree) || (tree == commit.tree && sawLanding.contains(side))
            }
            for side in brought where counts(side.tree, signedIn: side.id) {
                if let author = judged.signers[side.id] { principals.insert(author) }
            }
            for approval in judged.approvals where counts(approval.tree, signedIn: approval.commit) {
                approvals.append((approval.tree, approval.principal))
            }
            landed!.formUnion(brought.map(\.id))
        } else if commit.tree == landingTree, let approved = commit.approvedTree, let signedBy,
                  let principal = trusted.principal(for: signedBy) {
            approvals.append((approved, principal))
        }

        guard commit.tree != landingTree else {
            // No new state: approvals (here, or brought in by a merge) count for the state still open.
            if var state = open {
                for approval in approvals where state.trees.contains(approval.tree) { state.principals.insert(Self.person(approval.principal)) }
                open = state
            }
            return
        }
        // A state that is followed by another needs no approvals of its own (no verifier ever serves it: each accepts
        // a head only with its latest state approved, and that state holds everything before it), except one that
        // changes the policy, which is judged by the policy before it.
        if let open, open.changesPolicy { try Self.close(open) }
        for approval in approvals where trees.contains(approval.tree) { principals.insert(approval.principal) }
        // Never more than the landing signers' principals could give: a policy no one can meet would lock the store.
        let people = Set(trusted.entries.map { Self.person($0.principal) }).count
        open = State(commit: commit.id, trees: trees, principals: Set(principals.map(Self.person)),
                     required: min(policy.requiredApprovals, max(1, people)),
                     changesPolicy: try changesPolicy(commit, from: policy))
    }

    /// A principal as a person: principals are e-mail-like, and `Alice@Example.com` is alice@example.com.
    static func person(_ principal: String) -> String { principal.lowercased() }

    /// Commits among `brought` (parents before children) that have `landing` in their history.
    private static func descendants(of landing: ObjectID, among brought: [Commit]) -> Set<ObjectID> {
        var found: Set<ObjectID> = []
        for commit in brought where commit.parents.contains(where: { $0 == landing || found.contains($0) }) { found.insert(commit.id) }
        return found
    }

    /// Whether the commit's own pat.json sets another policy than `policy` (an unreadable one counts as a change).
    private mutating func changesPolicy(_ commit: Commit, from policy: StoreSettings) throws -> Bool {
        guard let entry = try repository.entry(atPath: StoreSettings.path, inTree: commit.tree), entry.isRegularFile,
              let own = try? StoreSettings.decode(try repository.readBlob(entry.id)) else { return true }
        return own.merges != policy.merges || own.requiredApprovals != policy.requiredApprovals
            || own.forbiddenMethods != policy.forbiddenMethods || own.maxLifetimeDays != policy.maxLifetimeDays
    }

    /// Rule 3 for what a merge brings in (oldest first): each commit signed, trusted by its own parents' signers and
    /// by the signers where it lands. Returns each commit's principal and the approvals among them.
    /// With `collect`, a commit that fails is recorded in `refusals` and the rest are still judged (`pat check`);
    /// without, the first failure is thrown (the verifier).
    private mutating func judgeBrought(_ brought: [Commit], landingSigners trusted: AllowedSigners, merge: ObjectID?,
                                       collect: Bool = false, refusals: inout [VerifierError]) throws
        -> (signers: [ObjectID: String], approvals: [(tree: ObjectID, principal: String, commit: ObjectID)]) {
        var signers: [ObjectID: String] = [:]
        var approvals: [(tree: ObjectID, principal: String, commit: ObjectID)] = []
        for side in brought {
            let sideKey: SSHPublicKey
            let principal: String
            do {
                sideKey = try signingKey(of: side)
                guard side.parents.first != nil else {
                    throw VerifierError.unrelatedHistory(commit: side.id.hex, merge: merge?.hex ?? "")
                }
                try checkTrustedByParents(side, sideKey)
                guard let found = trusted.principal(for: sideKey) else {
                    throw VerifierError.untrustedWhereItLands(commit: side.id.hex, fingerprint: sideKey.fingerprint, merge: merge?.hex ?? "")
                }
                principal = found
            } catch let error as VerifierError where collect && !error.isReadFailure {
                refusals.append(error)
                continue
            }
            signers[side.id] = principal
            if side.parents.count == 1, side.tree == (try read(side.parents[0]).tree), let approved = side.approvedTree {
                approvals.append((approved, principal, side.id))
            }
        }
        return (signers, approvals)
    }

    /// What landing `head` on `base` would bring, judged as the verifier will judge it: as a fast-forward when `base`
    /// is on head's main line, else as the merge commit `pat merge` would sign. Throws the first refusal; reports
    /// the approvals the change has and the policy it needs (the merger's own signature not counted).
    mutating func verifyLanding(of head: ObjectID, on base: ObjectID) throws -> Landing {
        let policy = try settings(ofCommit: base, judging: head)
        var mainLine: [Commit] = []
        var cursor: ObjectID? = head
        while let id = cursor, id != base {
            let commit = try read(id)
            mainLine.append(commit)
            cursor = commit.parents.first
        }
        if cursor == base {
            // Every commit is judged, a refused one recorded and the walk going on, so a check reports them all.
            var landed: Set<ObjectID>?
            var open: State?
            var refusals: [VerifierError] = []
            var approvalsMissing = false
            for commit in mainLine.reversed() {
                do {
                    try verifyMainLine(commit, landed: &landed, open: &open)
                } catch let error as VerifierError where !error.isReadFailure {
                    if case .notEnoughApprovals = error { approvalsMissing = true } else { refusals.append(error) }
                }
                landed?.insert(commit.id)
            }
            // A state on the branch before its last that lacks approvals: it cannot be fast-forwarded, only merged.
            if !approvalsMissing {
                return Landing(fastForward: true, principals: open?.principals ?? [], required: open?.required ?? policy.requiredApprovals,
                               signers: Array(Set(try signers(ofCommit: base, judging: head).entries.map { Self.person($0.principal) })),
                               commits: mainLine.reversed().map(\.id), refusals: refusals)
            }
        }
        let trusted = try signers(ofCommit: base, judging: head)
        let landed = Set(try repository.history(from: base))
        let brought = try commits(from: head, notIn: landed)
        var refusals: [VerifierError] = []
        let judged = try judgeBrought(brought, landingSigners: trusted, merge: nil, collect: true, refusals: &refusals)
        let headTree = try read(head).tree
        // Would it merge cleanly? (The virtual merge commit: first parent base, second head.)
        var conflict: String?
        var forkPoint: ObjectID?
        do {
            let virtual = Commit(id: head, raw: try read(head).raw, tree: headTree, parents: [base, head])
            let mergeBase = try self.mergeBase(virtual, brought: brought, landed: landed)
            forkPoint = mergeBase
            conflict = try CleanMerge.conflict(base: try mergeBase.map { try read($0).tree }, ours: try read(base).tree, theirs: headTree,
                                               in: repository).map { "\($0) was changed on main and on the branch" }
        } catch VerifierError.forgeMergeNotClean(_, let reason) {
            conflict = reason
        }
        // As a merge would count them (clean: the branch's tree is what its signers saw).
        var principals: Set<String> = []
        if conflict == nil {
            for side in brought where side.tree == headTree {
                if let author = judged.signers[side.id] { principals.insert(Self.person(author)) }
            }
            for approval in judged.approvals where approval.tree == headTree { principals.insert(Self.person(approval.principal)) }
        }
        let people = Set(trusted.entries.map { Self.person($0.principal) }).count
        return Landing(fastForward: false, principals: principals, required: min(policy.requiredApprovals, max(1, people)),
                       signers: Array(Set(trusted.entries.map { Self.person($0.principal) })), conflict: conflict,
                       commits: brought.map(\.id), refusals: refusals, forkPoint: forkPoint)
    }

    /// A state that will collect no more approvals: it must have what its policy required.
    private static func close(_ state: State) throws {
        guard state.principals.count >= state.required else {
            throw VerifierError.notEnoughApprovals(commit: state.commit.hex, principals: state.principals.sorted(), required: state.required)
        }
    }

    /// The one merge base of a merge's parents, exactly: the commits of the first parent's history where what the
    /// merge brings in starts, less those that are ancestors of another. More than one (a criss-cross) is refused
    /// where a clean merge is needed: there is no single tree to merge from.
    private func mergeBase(_ merge: Commit, brought: [Commit], landed: Set<ObjectID>) throws -> ObjectID? {
        var boundary: Set<ObjectID> = landed.contains(merge.parents[1]) ? [merge.parents[1]] : []
        for side in brought { for parent in side.parents where landed.contains(parent) { boundary.insert(parent) } }
        var bases: [ObjectID] = []
        for candidate in boundary {
            var below = false
            for other in boundary where other != candidate {
                if try reaches(other, candidate) { below = true; break }
            }
            if !below { bases.append(candidate) }
        }
        guard bases.count <= 1 else {
            throw VerifierError.forgeMergeNotClean(commit: merge.id.hex, reason: "its parents have \(bases.count) merge bases (a criss-cross), so there is no one clean merge")
        }
        return bases.first
    }

    /// Whether `target` is in the history of `start`: a walk of the graph, no dates involved.
    private func reaches(_ start: ObjectID, _ target: ObjectID) throws -> Bool {
        var stack = [start]
        var seen: Set<ObjectID> = [start]
        while let id = stack.popLast() {
            if id == target { return true }
            for parent in try read(id).parents where seen.insert(parent).inserted { stack.append(parent) }
        }
        return false
    }

    /// The commits reachable from `start` and not in `known`, parents before children. A graph walk, not a
    /// revwalk with a hidden side: libgit2's revwalk decides what is hidden by commit dates, which the signer of
    /// a commit chooses, and with skewed dates it lets ancestors of the hidden side through.
    private func commits(from start: ObjectID, notIn known: Set<ObjectID>) throws -> [Commit] {
        guard !known.contains(start) else { return [] }
        var ordered: [Commit] = []
        var seen: Set<ObjectID> = [start]
        var stack: [(commit: Commit, nextParent: Int)] = [(try read(start), 0)]
        while let (commit, next) = stack.popLast() {
            guard next < commit.parents.count else {
                ordered.append(commit)
                continue
            }
            stack.append((commit, next + 1))
            let parent = commit.parents[next]
            if !known.contains(parent), seen.insert(parent).inserted {
                stack.append((try read(parent), 0))
            }
        }
        return ordered
    }

    /// Rule 2: the signer is trusted by the allowed_signers of every parent. For a merge that is both sides, so a
    /// merge cannot take in history that had removed its own signer (whichever parent comes first).
    private mutating func checkTrustedByParents(_ commit: Commit, _ key: SSHPublicKey) throws {
        for (index, parent) in commit.parents.enumerated() {
            guard try signers(ofCommit: parent, judging: commit.id).principal(for: key) != nil else {
                if index == 0 { throw VerifierError.untrustedSigner(commit: commit.id.hex, fingerprint: key.fingerprint) }
                throw VerifierError.untrustedBySecondParent(commit: commit.id.hex, fingerprint: key.fingerprint, parent: parent.hex)
            }
        }
    }

    private func read(_ id: ObjectID) throws -> Commit {
        if let commit = recent.commits[id] { return commit }
        let commit = try parse(id)
        if recent.commits.count >= 64 { recent.commits.removeAll(keepingCapacity: true) }
        recent.commits[id] = commit
        return commit
    }

    private func parse(_ id: ObjectID) throws -> Commit {
        let raw: RawCommit
        do { raw = try RawCommit.parse(try repository.readCommitObject(id)) } catch let error as RawCommitError {
            throw VerifierError.badSignature(commit: id.hex, reason: error.description)
        }
        let parents = raw.parents.compactMap(ObjectID.init(hex:))
        guard parents.count == raw.parents.count, let tree = ObjectID(hex: raw.tree) else {
            throw VerifierError.damagedStore(commit: id.hex, reason: "a tree or parent header is not an object id")
        }
        guard parents.count <= 2 else { throw VerifierError.octopusMerge(commit: id.hex, parents: parents.count) }
        return Commit(id: id, raw: raw, tree: tree, parents: parents)
    }

    /// The key that validly signed the commit, or the refusal.
    private func signingKey(of commit: Commit) throws -> SSHPublicKey {
        let id = commit.id.hex
        guard let armored = commit.raw.signature else { throw VerifierError.unsigned(commit: id) }
        let signature: SSHSignature
        do { signature = try SSHSignature.parse(armored: armored) } catch {
            throw VerifierError.badSignature(commit: id, reason: error.description)
        }
        guard signature.namespace == SSHSignature.gitNamespace else {
            throw VerifierError.badSignature(commit: id, reason: "signature namespace '\(signature.namespace)' is not 'git'")
        }
        guard signature.isValid(for: commit.raw.payload) else {
            throw VerifierError.badSignature(commit: id, reason: "the signature does not match the commit's content")
        }
        return signature.publicKey
    }

    private mutating func signers(ofCommit commit: ObjectID, judging child: ObjectID) throws -> AllowedSigners {
        let tree = try read(commit).tree
        guard let entry = try repository.entry(atPath: AllowedSigners.path, inTree: tree), entry.isRegularFile else {
            throw VerifierError.damagedStore(commit: child.hex, reason: "its parent has no allowed_signers file")
        }
        if let cached = signersByBlob[entry.id] { return cached }
        do {
            let signers = try AllowedSigners.parse(String(decoding: try repository.readBlob(entry.id), as: UTF8.self))
            signersByBlob[entry.id] = signers
            return signers
        } catch let error as AllowedSignersError {
            throw VerifierError.damagedStore(commit: child.hex, reason: "its parent's \(error.description)")
        }
    }

    /// The policy that judges `child`: the settings of its first parent, as signers are.
    private mutating func settings(ofCommit commit: ObjectID, judging child: ObjectID) throws -> StoreSettings {
        let tree = try read(commit).tree
        guard let entry = try repository.entry(atPath: StoreSettings.path, inTree: tree), entry.isRegularFile else {
            throw VerifierError.damagedStore(commit: child.hex, reason: "its parent has no \(StoreSettings.path)")
        }
        if let cached = settingsByBlob[entry.id] { return cached }
        do {
            let settings = try StoreSettings.decode(try repository.readBlob(entry.id))
            settingsByBlob[entry.id] = settings
            return settings
        } catch let error as StoreFileError {
            // A damaged pat.json (itself a policy change, so it carried the approvals the policy before it required)
            // leaves the last readable policy in force: the next commit can repair it.
            guard let parent = try read(commit).parents.first else {
                throw VerifierError.damagedStore(commit: child.hex, reason: "its parent's \(error.description)")
            }
            // Not cached by blob: the same damaged blob inherits whatever policy came before it where it is.
            return try settings(ofCommit: parent, judging: child)
        }
    }
}
