import PatGit

/// Why the verifier refused a head (or could not start), in the words an operator reads.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTrustRoot
    case unreadableAllowedSigners(String, String)
    case unreadableState(String, String)
    case noBranch(String, String)
    case trustRootNotInHistory(String)
    case rollback(head: String, verified: String)
    case unsigned(commit: String)
    case badSignature(commit: String, reason: String)
    case untrustedSigner(commit: String, fingerprint: String)
    case rootCommitNotPinned(commit: String)
    case untrustedWhereItLands(commit: String, fingerprint: String, merge: String)
    case unrelatedHistory(commit: String, merge: String)
    case untrustedBySecondParent(commit: String, fingerprint: String, parent: String)
    case octopusMerge(commit: String, parents: Int)
    case damagedStore(commit: String, reason: String)
    case notSignedUnderForgeMerges(commit: String, reason: String)
    case forgeMergeNotClean(commit: String, reason: String)
    case notEnoughApprovals(commit: String, principals: [String], required: Int)
    case unreadableStore(String, String)
    case git(String)

    /// The store could not be read (a damaged or missing object, an I/O error), as opposed to a head that was read
    /// and failed a check: the first may read fine after a repair.
    public var isReadFailure: Bool {
        switch self {
        case .git, .unreadableStore: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .noTrustRoot:
            "no trust root: pin one with --allowed-signers FILE (keys trusted to sign the store's first commit) or --trust-root COMMIT (the store's first commit id)"
        case .unreadableAllowedSigners(let path, let reason): "cannot use allowed signers file \(path): \(reason)"
        case .unreadableState(let path, let reason): "cannot use state file \(path): \(reason)"
        case .noBranch(let path, let revision):
            revision == "refs/heads/main" ? "\(path) has no main branch to verify" : "\(path) has no \(revision.prefix(200)) to verify"
        case .trustRootNotInHistory(let commit):
            "the pinned trust root \(commit) is not on the main line of main (its first-parent history)"
        case .rollback(let head, let verified):
            "refused head \(head.prefix(10)): it does not descend from the last verified head \(verified.prefix(10)) along its first parents (rewind, force-push, replay, or a merge that puts the verified history on its side)"
        case .unsigned(let commit): "refused commit \(commit.prefix(10)): it is not signed"
        case .badSignature(let commit, let reason): "refused commit \(commit.prefix(10)): \(reason)"
        case .untrustedSigner(let commit, let fingerprint):
            "refused commit \(commit.prefix(10)): signed by \(fingerprint), which its parent's allowed_signers does not trust"
        case .rootCommitNotPinned(let commit):
            "refused commit \(commit.prefix(10)): a first commit other than the pinned trust root"
        case .untrustedWhereItLands(let commit, let fingerprint, let merge):
            "refused commit \(commit.prefix(10)), which \(merge.isEmpty ? "a merge of the branch" : "merge \(merge.prefix(10))") brings into main: signed by \(fingerprint), which main's allowed_signers where it lands (the merge's first parent) does not trust"
        case .untrustedBySecondParent(let commit, let fingerprint, let parent):
            "refused merge \(commit.prefix(10)): signed by \(fingerprint), which the allowed_signers of its second parent \(parent.prefix(10)) does not trust (a merge's signer must be trusted on both sides)"
        case .unrelatedHistory(let commit, let merge):
            "refused \(merge.isEmpty ? "the merge" : "merge \(merge.prefix(10))"): it brings in \(commit.prefix(10)), a first commit of another history"
        case .octopusMerge(let commit, let parents):
            "refused commit \(commit.prefix(10)): a merge of \(parents) parents; pat accepts merges of two"
        case .damagedStore(let commit, let reason):
            commit.isEmpty ? "refused the head: \(reason)" : "refused commit \(commit.prefix(10)): \(reason)"
        case .notSignedUnderForgeMerges(_, let reason):
            "\(reason). The store takes forge merges (merges: verified-clean), but only merge commits of signed work and fast-forwards: a squash or rebase merge makes new commits that no trusted key signed, so merge with the forge's merge-commit button, fast-forward, or 'pat merge'"
        case .forgeMergeNotClean(let commit, let reason):
            "refused merge \(commit.prefix(10)): no trusted key signed it, so its tree must be exactly the clean merge of its parents, and it is not: \(reason)"
        case .notEnoughApprovals(let commit, let principals, let required):
            "refused commit \(commit.prefix(10)): the store requires the signatures of \(required) different signers for every change, and it has \(principals.count)\(principals.isEmpty ? "" : " (\(principals.joined(separator: ", ")))"); more come from 'pat approve' on the change's branch before it is merged"
        case .unreadableStore(let path, let reason): "cannot read the store at \(path): \(reason)"
        case .git(let message): message
        }
    }
}
