import Foundation
import PatCore
import PatGit
import PatSSH

/// What an operation wants to commit, computed from the store as it stands at one head.
public struct PlannedChange {
    public var files: [String: TreeChange]
    public var message: CommitMessage
    /// The tokens as they are after the change (removed tokens as they were before).
    public var tokens: [Token]
    /// New token values, to be shown once the commit is on the branch. Never logged, never written.
    public var secrets: [TokenID: TokenSecret]
    /// The whole tree of the commit, when it is not the parent's with `files` applied (a merge).
    public var tree: ObjectID?

    public init(files: [String: TreeChange], message: CommitMessage, tokens: [Token] = [],
                secrets: [TokenID: TokenSecret] = [:]) {
        self.files = files
        self.message = message
        self.tokens = tokens
        self.secrets = secrets
    }
}

/// A change that is on the branch.
public struct CommittedChange {
    public let commit: ObjectID
    public let change: PlannedChange
    /// How many times the change was rebuilt because another writer moved the branch first.
    public let retries: Int
    /// The branch it is on, when not main.
    public var branch: String? = nil
}

/// Who signs, in whose name, and on which branch.
public struct WriteOptions: Sendable {
    public var signer: any SSHSigner
    public var identity: Identity?
    public var now: @Sendable () -> Date
    public var maxAttempts: Int
    /// The branch the commit goes on (nil: main).
    public var branch: String?
    /// Where a new branch starts (nil: main); ignored when the branch exists.
    public var base: String?
    /// A branch lock at least this old is a crashed writer's: a live one holds it for the moment of an update.
    public var staleLockAge: TimeInterval

    public init(signer: any SSHSigner, identity: Identity? = nil, now: @escaping @Sendable () -> Date = Date.init,
                maxAttempts: Int = 100, branch: String? = nil, base: String? = nil, staleLockAge: TimeInterval = 5) {
        self.signer = signer
        self.identity = identity
        self.now = now
        self.maxAttempts = maxAttempts
        self.branch = branch
        self.base = base
        self.staleLockAge = staleLockAge
    }
}

extension Store {
    /// Builds the change on the current head of the branch (main unless `options.branch` names another), signs it
    /// and moves the branch by compare-and-swap. When another writer got there first, the change is rebuilt on the
    /// new head (so it sees their tokens) and retried. A branch that does not exist yet starts at `options.base`
    /// (default main), and is created only if nobody created it meanwhile. While the branch is only locked (its head
    /// unchanged) the same commit is offered again, so waiting writes nothing new; a lock older than
    /// `WriteOptions.staleLockAge`, or one still there when the attempts run out, is a crashed writer's, and refused
    /// before anything is written.
    public func write(_ options: WriteOptions, plan: (StoreView, Date) throws -> PlannedChange) throws -> CommittedChange {
        try write(options, parents: { current in [current] }, plan: plan)
    }

    /// The general form: `parents` gives the new commit's parents from the branch's current head (a merge adds one).
    func write(_ options: WriteOptions, parents: (ObjectID) throws -> [ObjectID],
               plan: (StoreView, Date) throws -> PlannedChange) throws -> CommittedChange {
        let reference = try Store.reference(forBranch: options.branch)
        var attempt = 0
        var built: (parent: ObjectID, commit: ObjectID, change: PlannedChange)?
        while true {
            attempt += 1
            try refuseStaleLock(options, reference: reference)
            let current = try repository.resolve(reference: reference)
            let parent = try current ?? startPoint(options.base)
            let commit: ObjectID
            let change: PlannedChange
            if let built, built.parent == parent {
                (commit, change) = (built.commit, built.change)
            } else {
                let view = try self.view(at: parent)
                guard view.signers.principal(for: options.signer.publicKey) != nil else {
                    throw StoreError.signerNotTrusted(fingerprint: options.signer.publicKey.fingerprint)
                }
                let now = options.now()
                change = try plan(view, now)
                commit = try writeCommit(
                    tree: try change.tree ?? repository.tree(applying: change.files, to: view.tree), parents: try parents(parent),
                    identity: identity(override: options.identity, settings: view.settings), time: now,
                    message: change.message, signer: options.signer)
                built = (parent, commit, change)
            }
            do {
                try repository.updateReference(reference, to: commit, expected: current,
                                               message: "pat: \(change.message.operation.rawValue)")
                return CommittedChange(commit: commit, change: change, retries: attempt - 1, branch: options.branch)
            } catch {
                guard error.isLostRace else { throw error }
                if attempt >= options.maxAttempts {
                    if error.isLocked, let lock = lockError(reference) { throw lock }
                    throw StoreError.tooManyRetries(attempt)
                }
                // Back off a little, more each time, with jitter so racing writers spread out.
                usleep(UInt32.random(in: 1_000...(2_000 * UInt32(min(attempt, 20)))))
            }
        }
    }

    /// `refs/heads/NAME` for a branch name git accepts; main when nil.
    static func reference(forBranch branch: String?) throws -> String {
        guard let branch else { return Store.branch }
        let reference = "refs/heads/" + branch
        guard !branch.isEmpty, !branch.hasPrefix("-"), branch != "HEAD", Repository.isValidReferenceName(reference) else {
            throw StoreError.invalidBranch(branch)
        }
        return reference
    }

    /// Where a new branch starts: `base` as git reads a revision, else main.
    func startPoint(_ base: String?) throws -> ObjectID {
        guard let base else { return try head() }
        return try commit(forRevision: base)
    }

    /// A lock on the branch that no live writer would hold this long.
    private func refuseStaleLock(_ options: WriteOptions, reference: String) throws {
        guard let error = lockError(reference), case .branchLocked(_, _, let age) = error, age >= options.staleLockAge else { return }
        throw error
    }

    private func lockError(_ reference: String) -> StoreError? {
        guard let lock = repository.lockFile(ofReference: reference) else { return nil }
        return .branchLocked(lockFile: lock.path, modified: lock.modified, age: Date().timeIntervalSince(lock.modified))
    }

    func writeCommit(tree: ObjectID, parents: [ObjectID], identity: Identity, time: Date, message: CommitMessage,
                     signer: any SSHSigner) throws -> ObjectID {
        let content = try repository.commitContent(tree: tree, parents: parents, author: identity, committer: identity,
                                                   time: time, message: message.text)
        let signature: SSHSignature
        do {
            signature = try SSHSignature.sign(Array(content.utf8), with: signer)
        } catch {
            throw StoreError.signing("\(error)")
        }
        // git writes the armor without its final newline; matching it keeps `git commit -S` byte-compatible.
        var armored = signature.armored
        if armored.hasSuffix("\n") { armored.removeLast() }
        return try repository.writeSignedCommit(content: content, signature: armored)
    }
}
