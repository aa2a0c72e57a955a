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
            let names = Set(entries.map(\.name))
            // Shards that disappeared take their tokens with them.
            for (name, shard) in reusable?.shards ?? [:] where !names.contains(name) {
                for (digest, token) in shard.tokens where tokens[digest]?.id == token.id { tokens[digest] = nil }
            }
            // A changed shard is read file by file: its old and new trees are compared and only files whose blob
            // changed are decoded; only their tokens change in the table (a write changes one or two of a shard's
            // hundreds, whose digests fall in every bucket). Every old token goes before any new one comes, so a hash
            // that moves between files is not mistaken for a duplicate.
            var changed: [(gone: [(SHA256.Digest, GrantedToken)], shard: VerifiedSnapshot.Shard, came: Int)] = []
            for entry in entries {
                let old = reusable?.shards[entry.name]
                if let old, old.tree == entry.id {
                    shards[entry.name] = old
                    continue
                }
                let (shard, gone, came) = try loadShard(repository, entry: entry, previous: old, decoder: &decoder)
                shards[entry.name] = shard
                changed.append((gone, shard, came))
            }
            for (gone, _, _) in changed {
                for (digest, token) in gone where tokens[digest]?.id == token.id { tokens[digest] = nil }
            }
            for (_, shard, came) in changed {
                for (digest, token) in shard.tokens.suffix(came) {
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

    /// One shard folder. Anything but a regular JSON file of a valid token is a problem, never a token. With the
    /// shard's `previous` state, only files whose blob or mode changed are read: the result says which tokens went
    /// (changed or removed files) and how many came (new or changed files: the last ones of the shard's tokens).
    static func loadShard(_ repository: Repository, entry: TreeEntry, previous: VerifiedSnapshot.Shard? = nil,
                          decoder: inout GrantedTokenDecoder) throws
        -> (shard: VerifiedSnapshot.Shard, gone: [(SHA256.Digest, GrantedToken)], came: Int) {
        let folder = "tokens/\(entry.name)"
        let before: [String: TreeEntry]
        if let previous, let old = try? repository.entries(ofTree: previous.tree) {
            before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        } else {
            before = [:]
        }
        func same(_ file: TreeEntry?, _ other: TreeEntry?) -> Bool { file?.id == other?.id && file?.mode == other?.mode }
        guard entry.kind == .tree && entry.mode == 0o040000 else {
            return (.init(tree: entry.id, tokens: [], problems: [SnapshotProblem(path: folder, reason: "not a shard folder")]),
                    previous?.tokens ?? [], 0)
        }
        let files = try repository.entries(ofTree: entry.id)
        // Only a reload compares: a first load reads every file.
        let now = previous == nil ? [:] : Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // What stays: the previous shard's tokens and problems whose file is unchanged.
        var tokens: [(SHA256.Digest, GrantedToken)] = []
        var gone: [(SHA256.Digest, GrantedToken)] = []
        for (digest, token) in previous?.tokens ?? [] {
            let name = String(token.id.path.dropFirst(folder.count + 1))
            if before[name] != nil, same(before[name], now[name]) { tokens.append((digest, token)) } else { gone.append((digest, token)) }
        }
        var problems = (previous?.problems ?? []).filter { problem in
            let name = String(problem.path.dropFirst(folder.count + 1))
            return problem.path.hasPrefix(folder + "/") && before[name] != nil && same(before[name], now[name])
        }
        var came = 0
        for file in files where previous == nil || !same(before[file.name], file) {
            let path = "\(folder)/\(file.name)"
            guard file.kind == .blob, file.mode == 0o100644 || file.mode == 0o100755 else {
                let what = file.mode == 0o120000 ? "a symbolic link" : file.kind == .commit ? "a submodule" : "not a regular file"
                problems.append(SnapshotProblem(path: path, reason: "\(what); denied"))
                continue
            }
            do {
                let (hash, token) = try decoder.decode(try repository.readBlob(file.id), path: path)
                tokens.append((hash.digest, token))
                came += 1
            } catch let error as StoreFileError {
                problems.append(SnapshotProblem(path: path, reason: error.reason + "; denied"))
            }
        }
        return (.init(tree: entry.id, tokens: tokens, problems: problems.sorted { $0.path < $1.path }), gone, came)
    }
}
