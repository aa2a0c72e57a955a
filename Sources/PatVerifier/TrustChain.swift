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
/// A signature counts only when pat's strict parser finds exactly one SSH signature in the commit's header, over the
/// commit, in the "git" namespace.
struct TrustChain {
    let repository: Repository
    let root: TrustRoot
    private var signersByTree: [ObjectID: AllowedSigners] = [:]

    init(repository: Repository, root: TrustRoot) {
        self.repository = repository
        self.root = root
    }

    /// A commit read once: its strict parse and its parents as ids.
    private struct Commit {
        let id: ObjectID
        let raw: RawCommit
        let parents: [ObjectID]
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
        for commit in mainLine.reversed() {
            try verifyMainLine(commit, landed: &landed)
            landed?.insert(commit.id)
        }
    }

    /// `landed`: every commit reachable from the main line up to the commit's first parent, found by a full walk at
    /// the first merge and grown as the walk goes on (nil until then), so what a merge brings in is exact.
    private mutating func verifyMainLine(_ commit: Commit, landed: inout Set<ObjectID>?) throws {
        let key = try signingKey(of: commit)
        guard let landing = commit.parents.first else {
            guard case .allowedSigners(let pinned) = root else { throw VerifierError.rootCommitNotPinned(commit: commit.id.hex) }
            guard pinned.principal(for: key) != nil else {
                throw VerifierError.untrustedSigner(commit: commit.id.hex, fingerprint: key.fingerprint)
            }
            return
        }
        try checkTrustedByParents(commit, key)
        guard commit.parents.count == 2 else { return }
        let trusted = try signers(ofCommit: landing, judging: commit.id)
        if landed == nil { landed = Set(try repository.history(from: landing)) }
        // Rule 3: what the merge brings in, oldest first.
        let brought = try commits(from: commit.parents[1], notIn: landed!)
        for side in brought {
            let sideKey = try signingKey(of: side)
            guard !side.parents.isEmpty else { throw VerifierError.unrelatedHistory(commit: side.id.hex, merge: commit.id.hex) }
            try checkTrustedByParents(side, sideKey)
            guard trusted.principal(for: sideKey) != nil else {
                throw VerifierError.untrustedWhereItLands(commit: side.id.hex, fingerprint: sideKey.fingerprint, merge: commit.id.hex)
            }
        }
        landed!.formUnion(brought.map(\.id))
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
        let raw: RawCommit
        do { raw = try RawCommit.parse(try repository.readCommitObject(id)) } catch let error as RawCommitError {
            throw VerifierError.badSignature(commit: id.hex, reason: error.description)
        }
        let parents = raw.parents.compactMap(ObjectID.init(hex:))
        guard parents.count == raw.parents.count else {
            throw VerifierError.damagedStore(commit: id.hex, reason: "a parent header is not a commit id")
        }
        guard parents.count <= 2 else { throw VerifierError.octopusMerge(commit: id.hex, parents: parents.count) }
        return Commit(id: id, raw: raw, parents: parents)
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
        let tree = try repository.commit(commit).tree
        if let cached = signersByTree[tree] { return cached }
        guard let entry = try repository.entry(atPath: AllowedSigners.path, inTree: tree), entry.isRegularFile else {
            throw VerifierError.damagedStore(commit: child.hex, reason: "its parent has no allowed_signers file")
        }
        do {
            let signers = try AllowedSigners.parse(String(decoding: try repository.readBlob(entry.id), as: UTF8.self))
            signersByTree[tree] = signers
            return signers
        } catch let error as AllowedSignersError {
            throw VerifierError.damagedStore(commit: child.hex, reason: "its parent's \(error.description)")
        }
    }
}
