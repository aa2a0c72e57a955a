import Crypto
import Foundation
import PatCore
import PatGit

/// A token file the verifier could not use. The token it stands for is denied; the others keep working.
public struct SnapshotProblem: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A verified commit's tokens, indexed by the digest of their value, plus what reloading needs.
public struct VerifiedSnapshot: Sendable {
    public let authorization: AuthorizationSnapshot
    public let problems: [SnapshotProblem]
    let tokensTree: ObjectID?
    let shards: [String: Shard]
    /// How many token files this load read and decoded (the rest were reused from the previous snapshot).
    public let filesRead: Int

    struct Shard: Sendable {
        let tree: ObjectID
        /// Each file by name: its blob, and the token read from it or why it was refused.
        let files: [String: File]
        /// The folder's own problem (not a tree) or its files', by path; worked out once, as a shard is read.
        let problems: [SnapshotProblem]

        init(tree: ObjectID, files: [String: File], problem: SnapshotProblem?) {
            self.tree = tree
            self.files = files
            problems = (problem.map { [$0] } ?? []) + files.values.compactMap(\.problem).sorted { $0.path < $1.path }
        }

        var tokens: [(SHA256.Digest, GrantedToken)] { files.values.compactMap { $0.token } }
    }

    struct File: Sendable {
        let blob: ObjectID
        let mode: UInt32
        let token: (SHA256.Digest, GrantedToken)?
        let problem: SnapshotProblem?
    }

    public var commit: String { authorization.commit }
    public var tokenCount: Int { authorization.tokens.count }
}

/// Reads a commit's tree into a snapshot in one pass; given the previous snapshot, it reads only the shards
/// whose tree ids changed.
enum SnapshotLoader {
    static func load(_ repository: Repository, commit: ObjectID, reusing previous: VerifiedSnapshot?) throws -> VerifiedSnapshot {
        var decoder = GrantedTokenDecoder()
        let info = try repository.commit(commit)
        guard let settingsEntry = try repository.entry(atPath: StoreSettings.path, inTree: info.tree), settingsEntry.isRegularFile else {
            throw VerifierError.damagedStore(commit: commit.hex, reason: "it has no \(StoreSettings.path)")
        }
        let settings: StoreSettings
        do { settings = try StoreSettings.decode(try repository.readBlob(settingsEntry.id)) } catch let error as StoreFileError {
            throw VerifierError.damagedStore(commit: commit.hex, reason: error.description)
        }

        var problems: [SnapshotProblem] = []
        var shards: [String: VerifiedSnapshot.Shard] = [:]
        var tokensTree: ObjectID?
        if let entry = try repository.entry(atPath: "tokens", inTree: info.tree) {
            if entry.kind == .tree && entry.mode == 0o040000 {
                tokensTree = entry.id
            } else {
                problems.append(SnapshotProblem(path: "tokens", reason: "not a folder; no token is valid"))
            }
        }

        var tokens: TokenTable
        if let tokensTree, let previous, previous.tokensTree == tokensTree, previous.authorization.tokenPrefix == settings.tokenPrefix {
            // Nothing under tokens/ changed: reuse the whole table.
            tokens = previous.authorization.tokens
            shards = previous.shards
        } else if let tokensTree {
            let reusable = previous?.authorization.tokenPrefix == settings.tokenPrefix ? previous : nil
            tokens = reusable?.authorization.tokens ?? TokenTable()
            let entries = try repository.entries(ofTree: tokensTree)
            let names = Set(entries.map(\.name))
            // Shards that disappeared take their tokens with them.
            for (name, shard) in reusable?.shards ?? [:] where !names.contains(name) {
                for (digest, token) in shard.tokens where tokens[digest]?.id == token.id { tokens[digest] = nil }
            }
            // A changed shard is read file by file: only files whose blob changed are decoded, and only their tokens
            // change in the table (a write changes one or two of a shard's hundreds). Every old token goes before any
            // new one comes, so a hash that moves between files is not mistaken for a duplicate.
            var changed: [(old: VerifiedSnapshot.Shard?, new: VerifiedSnapshot.Shard)] = []
            for entry in entries {
                let old = reusable?.shards[entry.name]
                if let old, old.tree == entry.id {
                    shards[entry.name] = old
                    continue
                }
                let shard = try loadShard(repository, entry: entry, previous: old, decoder: &decoder)
                shards[entry.name] = shard
                changed.append((old, shard))
            }
            func differs(_ file: VerifiedSnapshot.File, _ other: VerifiedSnapshot.File?) -> Bool {
                other?.blob != file.blob || other?.mode != file.mode
            }
            for (old, new) in changed {
                for (name, file) in old?.files ?? [:] where differs(file, new.files[name]) {
                    if let (digest, token) = file.token, tokens[digest]?.id == token.id { tokens[digest] = nil }
                }
            }
            for (old, new) in changed {
                for (name, file) in new.files where differs(file, old?.files[name]) {
                    guard let (digest, token) = file.token else { continue }
                    if let existing = tokens[digest], existing.id != token.id {
                        problems.append(SnapshotProblem(path: token.id.path, reason: "same hash as token \(existing.id); denied"))
                        continue
                    }
                    tokens[digest] = token
                }
            }
        } else {
            tokens = TokenTable()
        }
        problems += shards.keys.sorted().flatMap { shards[$0]!.problems }
        return VerifiedSnapshot(
            authorization: AuthorizationSnapshot(commit: commit.hex, committed: info.time, tokenPrefix: settings.tokenPrefix,
                                                 tokens: tokens),
            problems: problems, tokensTree: tokensTree, shards: shards, filesRead: decoder.decoded)
    }

    /// One shard folder. Anything but a regular JSON file of a valid token is a problem, never a token. Files whose
    /// blob and mode are those of `previous` are taken from it unread.
    static func loadShard(_ repository: Repository, entry: TreeEntry, previous: VerifiedSnapshot.Shard? = nil,
                          decoder: inout GrantedTokenDecoder) throws -> VerifiedSnapshot.Shard {
        let folder = "tokens/\(entry.name)"
        guard entry.kind == .tree && entry.mode == 0o040000 else {
            return .init(tree: entry.id, files: [:], problem: SnapshotProblem(path: folder, reason: "not a shard folder"))
        }
        var files: [String: VerifiedSnapshot.File] = [:]
        for file in try repository.entries(ofTree: entry.id) {
            if let known = previous?.files[file.name], known.blob == file.id, known.mode == file.mode {
                files[file.name] = known
                continue
            }
            let path = "\(folder)/\(file.name)"
            guard file.kind == .blob, file.mode == 0o100644 || file.mode == 0o100755 else {
                let what = file.mode == 0o120000 ? "a symbolic link" : file.kind == .commit ? "a submodule" : "not a regular file"
                files[file.name] = .init(blob: file.id, mode: file.mode, token: nil, problem: SnapshotProblem(path: path, reason: "\(what); denied"))
                continue
            }
            do {
                let (hash, token) = try decoder.decode(try repository.readBlob(file.id), path: path)
                files[file.name] = .init(blob: file.id, mode: file.mode, token: (hash.digest, token), problem: nil)
            } catch let error as StoreFileError {
                files[file.name] = .init(blob: file.id, mode: file.mode, token: nil, problem: SnapshotProblem(path: path, reason: error.reason + "; denied"))
            }
        }
        return .init(tree: entry.id, files: files, problem: nil)
    }
}
