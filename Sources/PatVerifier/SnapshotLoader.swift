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

    struct Shard: Sendable {
        let tree: ObjectID
        let tokens: [(SHA256.Digest, GrantedToken)]
        let problems: [SnapshotProblem]
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
            // Drop the tokens of shards that changed or disappeared.
            for (name, shard) in reusable?.shards ?? [:] {
                if let entry = entries.first(where: { $0.name == name }), entry.id == shard.tree { continue }
                for (digest, token) in shard.tokens where tokens[digest]?.id == token.id { tokens[digest] = nil }
            }
            for entry in entries {
                if let old = reusable?.shards[entry.name], old.tree == entry.id {
                    shards[entry.name] = old
                    continue
                }
                let shard = try loadShard(repository, entry: entry, decoder: &decoder)
                for (digest, token) in shard.tokens {
                    if let existing = tokens[digest], existing.id != token.id {
                        problems.append(SnapshotProblem(path: token.id.path, reason: "same hash as token \(existing.id); denied"))
                        continue
                    }
                    tokens[digest] = token
                }
                shards[entry.name] = shard
            }
        } else {
            tokens = TokenTable()
        }
        problems += shards.keys.sorted().flatMap { shards[$0]!.problems }
        return VerifiedSnapshot(
            authorization: AuthorizationSnapshot(commit: commit.hex, committed: info.time, tokenPrefix: settings.tokenPrefix,
                                                 tokens: tokens),
            problems: problems, tokensTree: tokensTree, shards: shards)
    }

    /// One shard folder. Anything but a regular JSON file of a valid token is a problem, never a token.
    static func loadShard(_ repository: Repository, entry: TreeEntry, decoder: inout GrantedTokenDecoder) throws -> VerifiedSnapshot.Shard {
        let folder = "tokens/\(entry.name)"
        guard entry.kind == .tree && entry.mode == 0o040000 else {
            return .init(tree: entry.id, tokens: [], problems: [SnapshotProblem(path: folder, reason: "not a shard folder")])
        }
        var tokens: [(SHA256.Digest, GrantedToken)] = []
        var problems: [SnapshotProblem] = []
        for file in try repository.entries(ofTree: entry.id) {
            let path = "\(folder)/\(file.name)"
            guard file.kind == .blob, file.mode == 0o100644 || file.mode == 0o100755 else {
                let what = file.mode == 0o120000 ? "a symbolic link" : file.kind == .commit ? "a submodule" : "not a regular file"
                problems.append(SnapshotProblem(path: path, reason: "\(what); denied"))
                continue
            }
            do {
                let (hash, token) = try decoder.decode(try repository.readBlob(file.id), path: path)
                tokens.append((hash.digest, token))
            } catch let error as StoreFileError {
                problems.append(SnapshotProblem(path: path, reason: error.reason + "; denied"))
            }
        }
        return .init(tree: entry.id, tokens: tokens, problems: problems)
    }
}
