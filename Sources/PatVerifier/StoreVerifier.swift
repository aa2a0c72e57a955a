import Foundation
import PatCore
import PatGit

/// What happened when the verifier looked at the branch.
public enum RefreshOutcome: Sendable {
    case unchanged
    case loaded(VerifiedSnapshot)
    case refused(VerifierError)
}

/// What `pat serve` reports on /healthz and /metrics.
public struct VerifierStatus: Sendable {
    public var verifiedHead: String?
    public var verifiedAt: Date?
    public var tokenCount = 0
    public var problems: [SnapshotProblem] = []
    public var reloads = 0
    public var lastReloadSeconds: Double = 0
    public var refusals = 0
    public var lastRefusedHead: String?
    public var lastRefusal: String?
    /// Why the store itself cannot be read right now (its directory gone, renamed, or unreadable), naming its path;
    /// nil while it can be read.
    /// The last verified snapshot keeps answering meanwhile.
    public var storeProblem: String?

    public init() {}
}

/// Follows a store's branch and keeps the last snapshot it could verify. A head that fails any check is
/// refused as a whole: the previous snapshot stays in force and the reason is reported.
/// Not thread-safe: one task drives it; readers take `current` snapshots, which are immutable values.
public final class StoreVerifier {
    public static let branch = "refs/heads/main"

    public let path: String
    /// What the verifier follows: a reference (`refs/heads/main`), or any revision git reads (`HEAD`, a commit id).
    public let revision: String
    let repository: Repository
    private var chain: TrustChain
    private let stateFile: String?
    /// The last head whose whole chain verified (also from the state file, before any snapshot is loaded).
    private var verifiedHead: ObjectID?
    public private(set) var current: VerifiedSnapshot?
    public private(set) var status = VerifierStatus()

    public init(path: String, trustRoot: TrustRoot, stateFile: String? = nil, revision: String = StoreVerifier.branch) throws {
        self.path = path
        self.revision = revision
        do { repository = try Repository.open(at: path) } catch {
            throw VerifierError.git("cannot open the store at \(path): \(error.message)")
        }
        chain = TrustChain(repository: repository, root: trustRoot)
        self.stateFile = stateFile
        if let stateFile, FileManager.default.fileExists(atPath: stateFile) {
            let text = (try? String(contentsOfFile: stateFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard let id = ObjectID(hex: text) else {
                throw VerifierError.unreadableState(stateFile, "it does not hold a commit id")
            }
            guard (try? repository.hasObject(id)) == true else {
                throw VerifierError.unreadableState(stateFile, "commit \(id.short) is not in the store (was history rewritten?)")
            }
            guard (try? repository.commit(id)) != nil else {
                throw VerifierError.unreadableState(stateFile, "\(id.short) is not a commit")
            }
            // A state file from another store or history must not replace the pinned root as the base.
            if case .commit(let root) = trustRoot, try !Self.mainLine(of: id, reaches: root, in: repository) {
                throw VerifierError.unreadableState(stateFile, "commit \(id.short) does not descend along first parents from the pinned trust root \(root.short): the file belongs to another store or history")
            }
            verifiedHead = id
        }
    }

    /// Whether `root` is on the first-parent line of `head` (one pass down that line).
    static func mainLine(of head: ObjectID, reaches root: ObjectID, in repository: Repository) throws -> Bool {
        var cursor: ObjectID? = head
        while let id = cursor {
            if id == root { return true }
            do { cursor = try repository.commit(id).parents.first } catch {
                throw VerifierError.git("cannot read commit \(id.short) below the state file's head: \(error.message)")
            }
        }
        return false
    }

    /// The branch's current commit: one ref read, cheap enough to poll.
    public func branchHead() throws -> ObjectID? {
        do {
            if revision.hasPrefix("refs/") { return try repository.resolve(reference: revision) }
            return try repository.resolveCommit(revision: revision)
        } catch {
            if error.isNotFound { return nil }
            throw VerifierError.git(error.description)
        }
    }

    /// Verifies and loads the branch head if it moved since the last look.
    @discardableResult
    public func refresh() -> RefreshOutcome {
        let started = Date()
        // A store that is not there is not a refused head: reported as such, not counted, and looked at again on the
        // next refresh.
        if let problem = Self.storeProblem(path, objects: repository.objectsDirectory) {
            let error = VerifierError.unreadableStore(path, problem)
            status.storeProblem = error.description
            return .refused(error)
        }
        status.storeProblem = nil
        let head: ObjectID
        do {
            guard let found = try branchHead() else { return refuse(nil, .noBranch(path, revision)) }
            head = found
        } catch {
            return refuse(nil, error as? VerifierError ?? .git("\(error)"))
        }
        if let current, current.commit == head.hex { return .unchanged }
        // A head refused once stays refused: no re-verification on every poll. One that could not be read (a damaged
        // or missing object, an I/O error) is tried again after `retryInterval`: a repair brings it in.
        if let refused = lastRefusal, refused.head == head,
           !refused.error.isReadFailure || started.timeIntervalSince(refused.at) < retryInterval {
            return .refused(refused.error)
        }
        do {
            try chain.verify(head: head, after: verifiedHead)
            let snapshot = try SnapshotLoader.load(repository, commit: head, reusing: current)
            try saveState(head)
            verifiedHead = head
            current = snapshot
            status.verifiedHead = head.hex
            status.verifiedAt = Date()
            status.tokenCount = snapshot.tokenCount
            status.problems = snapshot.problems
            status.reloads += 1
            status.lastReloadSeconds = Date().timeIntervalSince(started)
            return .loaded(snapshot)
        } catch {
            let reason = error as? VerifierError ?? .git((error as? GitError)?.description ?? "\(error)")
            loadLastVerifiedIfNeeded()
            return refuse(head, reason)
        }
    }

    private var lastRefusal: (head: ObjectID, error: VerifierError, at: Date)?

    /// Why the store at `path` cannot be read (its folder or its objects folder cannot be opened), or nil.
    static func storeProblem(_ path: String, objects: String) -> String? {
        for folder in [path, objects] {
            guard let directory = opendir(folder) else {
                let reason = String(cString: strerror(errno))
                return folder == path ? reason : "\(folder): \(reason)"
            }
            closedir(directory)
        }
        return nil
    }
    /// How long a head that could not be read stays refused before it is read again.
    public var retryInterval: TimeInterval = 5

    private func refuse(_ head: ObjectID?, _ error: VerifierError) -> RefreshOutcome {
        if let head { lastRefusal = (head, error, Date()) }
        status.refusals += 1
        status.lastRefusedHead = head?.hex
        status.lastRefusal = error.description
        return .refused(error)
    }

    /// A fresh process whose state file names a verified head answers from that head while a newer one is refused.
    private func loadLastVerifiedIfNeeded() {
        guard current == nil, let verifiedHead, let snapshot = try? SnapshotLoader.load(repository, commit: verifiedHead, reusing: nil) else { return }
        current = snapshot
        status.verifiedHead = verifiedHead.hex
        status.verifiedAt = Date()
        status.tokenCount = snapshot.tokenCount
        status.problems = snapshot.problems
    }

    private func saveState(_ head: ObjectID) throws {
        guard let stateFile else { return }
        let temporary = stateFile + ".tmp"
        do {
            try (head.hex + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
        } catch {
            throw VerifierError.unreadableState(stateFile, "cannot write it: \(error.localizedDescription)")
        }
        // rename(2) replaces the old state in one step: a crash leaves the old head or the new one, never half.
        guard rename(temporary, stateFile) == 0 else {
            throw VerifierError.unreadableState(stateFile, "cannot write it: \(String(cString: strerror(errno)))")
        }
    }
}
