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
}

/// Who signs and in whose name.
public struct WriteOptions: Sendable {
    public var signer: any SSHSigner
    public var identity: Identity?
    public var now: @Sendable () -> Date
    public var maxAttempts: Int
    /// A branch lock at least this old is a crashed writer's: a live one holds it for the moment of an update.
    public var staleLockAge: TimeInterval

    public init(signer: any SSHSigner, identity: Identity? = nil, now: @escaping @Sendable () -> Date = Date.init,
                maxAttempts: Int = 100, staleLockAge: TimeInterval = 5) {
        self.signer = signer
        self.identity = identity
        self.now = now
        self.maxAttempts = maxAttempts
        self.staleLockAge = staleLockAge
    }
}

extension Store {
    /// Builds the change on the current head, signs it and moves `main` by compare-and-swap. When another
    /// writer got there first, the change is rebuilt on the new head (so it sees their tokens) and retried.
    /// While the branch is only locked (its head unchanged) the same commit is offered again, so waiting writes
    /// nothing new; a lock older than `WriteOptions.staleLockAge`, or one still there when the attempts run out, is
    /// a crashed writer's, and refused before anything is written.
    public func write(_ options: WriteOptions, plan: (StoreView, Date) throws -> PlannedChange) throws -> CommittedChange {
        var attempt = 0
        var built: (parent: ObjectID, commit: ObjectID, change: PlannedChange)?
        while true {
            attempt += 1
            try refuseStaleLock(options)
            let parent = try head()
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
                    tree: try repository.tree(applying: change.files, to: view.tree), parents: [parent],
                    identity: identity(override: options.identity, settings: view.settings), time: now,
                    message: change.message, signer: options.signer)
                built = (parent, commit, change)
            }
            do {
                try repository.updateReference(Store.branch, to: commit, expected: parent,
                                               message: "pat: \(change.message.operation.rawValue)")
                return CommittedChange(commit: commit, change: change, retries: attempt - 1)
            } catch {
                guard error.isLostRace else { throw error }
                if attempt >= options.maxAttempts {
                    if error.isLocked, let lock = lockError() { throw lock }
                    throw StoreError.tooManyRetries(attempt)
                }
                // Back off a little, more each time, with jitter so racing writers spread out.
                usleep(UInt32.random(in: 1_000...(2_000 * UInt32(min(attempt, 20)))))
            }
        }
    }

    /// A lock on the branch that no live writer would hold this long.
    private func refuseStaleLock(_ options: WriteOptions) throws {
        guard let error = lockError(), case .branchLocked(_, _, let age) = error, age >= options.staleLockAge else { return }
        throw error
    }

    private func lockError() -> StoreError? {
        guard let lock = repository.lockFile(ofReference: Store.branch) else { return nil }
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
