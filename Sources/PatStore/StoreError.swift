import Foundation
import PatCore
import PatGit
import PatSSH

/// Everything the store layer can refuse, each with the sentence a user reads.
public enum StoreError: Error, CustomStringConvertible {
    case storeMissing(String)
    case notAStore(String, reason: String)
    case ownedByAnotherUser(String)
    case storeExists(String)
    case directoryNotEmpty(String)
    case unknownToken(String)
    case invalidTokenID(String)
    case key(path: String, SSHKeyError)
    case signerKey(path: String, SSHKeyError)
    case noSigningKey
    case signerNotTrusted(fingerprint: String)
    case invalidPrincipal(String)
    case outputExists(String)
    case outputIsLink(String)
    case outputIsFolder(String)
    case outputEmpty
    case outputFailed(String, String)
    case standardOutputClosed
    case standardOutputNotWritable
    case valueNotDelivered(UndeliveredValues)
    case tooManyRetries(Int)
    case branchLocked(lockFile: String, modified: Date, age: TimeInterval)
    case signing(String)
    case templates(String)
    case noTokens
    case signerExists(String)
    case unknownSigner(String)
    case lastSigner(String)
    case unprotectedKey(String)
    case password(String)
    case invalidURL(String)
    case tokenInput(String)
    case invalidSettings([String])
    case tokenExpired(String, CivilDate)
    case invalidBranch(String)
    case unknownRevision(String, String)
    case branchIsMain(String)
    case mergeRefused([String])
    case nothingToMerge(String)
    case nothingToApprove(String)
    case mergeMoved(String)
    case mergeIntoItself(String)

    public var description: String {
        switch self {
        case .storeMissing(let path):
            "no store at \(path): create one with 'pat init --store \(path) --signing-key KEY'"
        case .notAStore(let path, let reason):
            "\(path) is not a pat store: \(reason)"
        case .ownedByAnotherUser(let reason):
            reason
        case .storeExists(let path):
            "a store already exists at \(path)"
        case .directoryNotEmpty(let path):
            "\(path) is not empty; pat init needs a new or empty directory"
        case .unknownToken(let id):
            "no token with id \(id) in this store"
        case .invalidTokenID(let text):
            "'\(text)' is not a token id (16 lower-case hex characters, as 'pat list' shows)"
        case .key(let path, .notEd25519(let type, let kind)):
            "only ssh-ed25519 keys can sign; \(path) is \(SSHKeyError.article(type)) \(type) \(kind) (make an ed25519 key with 'ssh-keygen -t ed25519', or let 'pat init' make one)"
        case .key(let path, let error):
            "signing key \(path): \(error.description)"
        case .signerKey(let path, .notEd25519(let type, let kind)):
            "only ssh-ed25519 keys are supported; \(path) is \(SSHKeyError.article(type)) \(type) \(kind) (the signer makes an ed25519 key with 'ssh-keygen -t ed25519' and sends you its .pub file)"
        case .signerKey(let path, let error):
            "signer key \(path): \(error.description)"
        case .noSigningKey:
            "no signing key: pass --signing-key PATH, set PAT_SIGNING_KEY, or run 'pat init --signing-key PATH'"
        case .signerNotTrusted(let fingerprint):
            "the signing key \(fingerprint) is not in the store's allowed_signers file, so its commits would not verify"
        case .invalidPrincipal(let principal):
            "'\(principal)' is not a usable signer principal (no spaces, commas, quotes or wildcards)"
        case .outputExists(let path):
            "\(path) already exists; --output writes a new file only, so an old token is never overwritten"
        case .outputIsLink(let path):
            "\(path) is a symbolic link; --output writes a new file only and never follows a link"
        case .outputIsFolder(let path):
            "\(path) is a folder; --output needs the name of a new file"
        case .outputEmpty:
            "--output names no file: the path is empty"
        case .outputFailed(let path, let reason):
            "cannot create \(path) for --output: \(reason)"
        case .standardOutputClosed:
            "standard output is closed, so the new value would have nowhere to go; give --output FILE or run pat with standard output open"
        case .standardOutputNotWritable:
            "standard output is not open for writing, so the new value would have nowhere to go; give --output FILE or run pat with standard output open for writing"
        case .valueNotDelivered(let what):
            what.description
        case .tooManyRetries(let attempts):
            "gave up after \(attempts) attempts: other writers kept moving the branch"
        case .branchLocked(let lockFile, let modified, let age):
            "the branch \(Store.branchName) is locked: \(lockFile) exists, last modified \(Timestamp.format(modified)) (\(Self.describe(age: age))). "
                + "git and pat hold this file only while they move the branch, so one that crashed left it behind; "
                + "if no pat or git process is using the store, remove it (rm \(lockFile)) and try again. The store is unchanged"
        case .signing(let reason):
            "signing failed: \(reason)"
        case .invalidSettings(let problems):
            "invalid store settings: " + problems.joined(separator: "; ")
        case .invalidURL(let url):
            "'\(url)' is not a platform API URL (/1.0/<group>/<service>/rest/<method>)"
        case .tokenInput(let reason):
            "token input: \(reason)"
        case .signerExists(let what):
            "the store already trusts \(what)"
        case .unknownSigner(let principal):
            "no signer '\(principal)' in the store's allowed_signers file"
        case .lastSigner(let principal):
            "'\(principal)' is the store's last signer; removing it would leave nobody able to change the store"
        case .unprotectedKey(let path):
            "signing key \(path) is not protected by a password, so changes would not be confirmed by one; protect it with 'pat key passwd', or pass --no-password to sign with it anyway (throwaway and CI keys)"
        case .password(let reason):
            reason
        case .noTokens:
            "the store has no tokens"
        case .tokenExpired(let id, let day):
            "token \(id) expired on \(day.dashboardForm); give --expires to set a new date"
        case .templates(let reason):
            "pat's built-in templates are unreadable: \(reason)"
        case .invalidBranch(let name):
            "'\(name.prefix(200))' is not a usable branch name (git refuses it as refs/heads/\(name.prefix(200)))"
        case .unknownRevision(let revision, let reason):
            "'\(revision.prefix(200))' names no commit of this store: \(reason)"
        case .branchIsMain(let what):
            "\(what) needs a branch other than main"
        case .mergeRefused(let findings):
            "refused to merge: 'pat check' found \(findings.count == 1 ? "a problem" : "\(findings.count) problems"):\n" + findings.map { "  - " + $0 }.joined(separator: "\n")
        case .nothingToMerge(let branch):
            "nothing to merge: main already contains \(branch)"
        case .mergeMoved(let what):
            "refused to merge: \(what)"
        case .mergeIntoItself(let branch):
            "refused to merge \(branch) into itself: give another branch with --into"
        case .nothingToApprove(let branch):
            "nothing to approve: \(branch) changes no file of main"
        }
    }
}

extension StoreError {
    /// "3 minutes ago": the largest whole unit, so the sentence stays short.
    static func describe(age: TimeInterval) -> String {
        let seconds = Int(age.rounded(.down))
        if seconds < 0 { return "in the future by this machine's clock" }
        for (size, unit) in [(86_400, "day"), (3600, "hour"), (60, "minute")] where seconds >= size {
            let count = seconds / size
            return "\(count) \(unit)\(count == 1 ? "" : "s") ago"
        }
        return "\(seconds) second\(seconds == 1 ? "" : "s") ago"
    }
}
