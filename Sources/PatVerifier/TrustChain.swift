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

/// Checks every commit between what is already trusted and a new head. A commit counts only when pat's strict
/// parser finds exactly one SSH signature in its header, the signature is over the commit in the "git" namespace,
/// and the key is in the allowed_signers file of the commit's first parent (a root commit: the pinned file).
struct TrustChain {
    let repository: Repository
    let root: TrustRoot
    private var signersByTree: [ObjectID: AllowedSigners] = [:]

    init(repository: Repository, root: TrustRoot) {
        self.repository = repository
        self.root = root
    }

    /// Verifies `head` given that `verified` (if any) was verified before. Throws the first refusal.
    mutating func verify(head: ObjectID, after verified: ObjectID?) throws {
        var base = verified
        if base == nil, case .commit(let pinned) = root {
            guard try repository.isAncestor(pinned, of: head) else { throw VerifierError.trustRootNotInHistory(pinned.hex) }
            base = pinned
        }
        if let base, !(try repository.isAncestor(base, of: head)) {
            throw VerifierError.rollback(head: head.hex, verified: base.hex)
        }
        // Oldest first, so the first refusal names the commit that broke the chain.
        for commit in try repository.history(from: head, excluding: base).reversed() {
            try verify(commit: commit)
        }
    }

    private mutating func verify(commit id: ObjectID) throws {
        let raw: RawCommit
        do { raw = try RawCommit.parse(try repository.readCommitObject(id)) } catch let error as RawCommitError {
            throw VerifierError.badSignature(commit: id.hex, reason: error.description)
        }
        guard let armored = raw.signature else { throw VerifierError.unsigned(commit: id.hex) }
        let signature: SSHSignature
        do { signature = try SSHSignature.parse(armored: armored) } catch {
            throw VerifierError.badSignature(commit: id.hex, reason: error.description)
        }
        guard signature.namespace == SSHSignature.gitNamespace else {
            throw VerifierError.badSignature(commit: id.hex, reason: "signature namespace '\(signature.namespace)' is not 'git'")
        }
        guard signature.isValid(for: raw.payload) else {
            throw VerifierError.badSignature(commit: id.hex, reason: "the signature does not match the commit's content")
        }
        let trusted: AllowedSigners
        if let parent = raw.parents.first.flatMap(ObjectID.init(hex:)) {
            trusted = try signers(ofCommit: parent, judging: id)
        } else if case .allowedSigners(let pinned) = root {
            trusted = pinned
        } else {
            throw VerifierError.rootCommitNotPinned(commit: id.hex)
        }
        guard trusted.principal(for: signature.publicKey) != nil else {
            throw VerifierError.untrustedSigner(commit: id.hex, fingerprint: signature.publicKey.fingerprint)
        }
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
