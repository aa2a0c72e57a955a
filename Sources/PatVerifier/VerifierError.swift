import PatGit

/// Why the verifier refused a head (or could not start), in the words an operator reads.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTrustRoot
    case unreadableAllowedSigners(String, String)
    case unreadableState(String, String)
    case noBranch(String)
    case trustRootNotInHistory(String)
    case rollback(head: String, verified: String)
    case unsigned(commit: String)
    case badSignature(commit: String, reason: String)
    case untrustedSigner(commit: String, fingerprint: String)
    case rootCommitNotPinned(commit: String)
    case damagedStore(commit: String, reason: String)
    case git(String)

    public var description: String {
        switch self {
        case .noTrustRoot:
            "no trust root: pin one with --allowed-signers FILE (keys trusted to sign the store's first commit) or --trust-root COMMIT (the store's first commit id)"
        case .unreadableAllowedSigners(let path, let reason): "cannot use allowed signers file \(path): \(reason)"
        case .unreadableState(let path, let reason): "cannot use state file \(path): \(reason)"
        case .noBranch(let path): "\(path) has no main branch to verify"
        case .trustRootNotInHistory(let commit): "the pinned trust root \(commit) is not in the history of main"
        case .rollback(let head, let verified):
            "refused head \(head.prefix(10)): it does not descend from the last verified head \(verified.prefix(10)) (rewind, force-push or replay)"
        case .unsigned(let commit): "refused commit \(commit.prefix(10)): it is not signed"
        case .badSignature(let commit, let reason): "refused commit \(commit.prefix(10)): \(reason)"
        case .untrustedSigner(let commit, let fingerprint):
            "refused commit \(commit.prefix(10)): signed by \(fingerprint), which its parent's allowed_signers does not trust"
        case .rootCommitNotPinned(let commit):
            "refused commit \(commit.prefix(10)): a first commit other than the pinned trust root"
        case .damagedStore(let commit, let reason): "refused commit \(commit.prefix(10)): \(reason)"
        case .git(let message): message
        }
    }
}
