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
    /// Digests that two or more token files share, with those tokens: all of them are denied (rare, so kept apart).
    let collisions: [SHA256.Digest: [GrantedToken]]
    /// Tokens whose file says they expire after the lifetime cap (`AuthorizationSnapshot.latestExpiry`).
    let beyondLifetime: [(SHA256.Digest, GrantedToken)]
    /// The latest creation date of any token file in the snapshot (distantPast when it has none).
    let newestCreated: Date
    /// The settings' forbidden methods the tokens were read under.
    let forbiddenMethods: [String]
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

/// The decision table and the digests it leaves out because several tokens share them. The rule depends only on the
/// commit's files, never on the order they were read in: a digest held by one token file maps to that token; a digest
/// held by two or more is denied for all of them, until all but one are gone.
struct DigestTable {
    var tokens: TokenTable
    var collisions: [SHA256.Digest: [GrantedToken]]

    mutating func insert(_ digest: SHA256.Digest, _ token: GrantedToken) {
        if collisions[digest] != nil {
            collisions[digest]!.append(token)
        } else if let existing = tokens[digest], existing.id != token.id {
            collisions[digest] = [existing, token]
            tokens[digest] = nil
        } else {
            tokens[digest] = token
        }
    }

    /// Every token in the commit, those denied for sharing a hash included.
    var allTokens: [GrantedToken] { tokens.entries.map(\.1) + collisions.values.flatMap { $0 } }

    mutating func remove(_ digest: SHA256.Digest, _ token: GrantedToken) {
        if var holders = collisions[digest] {
            holders.removeAll { $0.id == token.id }
            if holders.count == 1 {
                tokens[digest] = holders[0]
                collisions[digest] = nil
            } else {
                collisions[digest] = holders
            }
        } else if tokens[digest]?.id == token.id {
            tokens[digest] = nil
        }
    }
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

        // A previous snapshot's tokens are reused only under the same prefix and the same forbidden methods.
        let sameRules = previous?.authorization.tokenPrefix == settings.tokenPrefix && previous?.forbiddenMethods == settings.forbiddenMethods
        let reusable = sameRules ? previous : nil
        var table = DigestTable(tokens: TokenTable(), collisions: [:])
        var changed: [(gone: [(SHA256.Digest, GrantedToken)], shard: VerifiedSnapshot.Shard, came: Int)] = []
        if let tokensTree, let previous, previous.tokensTree == tokensTree, sameRules {
            // Nothing under tokens/ changed: reuse the whole table.
            table = DigestTable(tokens: previous.authorization.tokens, collisions: previous.collisions)
            shards = previous.shards
        } else if let tokensTree {
            if let reusable { table = DigestTable(tokens: reusable.authorization.tokens, collisions: reusable.collisions) }
            let entries = try repository.entries(ofTree: tokensTree)
            let names = Set(entries.map(\.name))
            guard names.count == entries.count else {
                throw VerifierError.damagedStore(commit: commit.hex, reason: "its tokens folder names one shard twice (git fsck: duplicateEntries)")
            }
            // Shards that disappeared take their tokens with them.
            for (name, shard) in reusable?.shards ?? [:] where !names.contains(name) {
                for (digest, token) in shard.tokens { table.remove(digest, token) }
            }
            // A changed shard is read file by file: its old and new trees are compared and only files whose blob
            // changed are decoded; only their tokens change in the table (a write changes one or two of a shard's
            // hundreds, whose digests fall in every bucket). Every old token goes before any new one comes, so a hash
            // that moves between files is not mistaken for a duplicate.
            for entry in entries {
                let old = reusable?.shards[entry.name]
                if let old, old.tree == entry.id {
                    shards[entry.name] = old
                    continue
                }
                let (shard, gone, came) = try loadShard(repository, entry: entry, previous: old, decoder: &decoder,
                                                        settings: settings)
                shards[entry.name] = shard
                changed.append((gone, shard, came))
            }
            for (gone, _, _) in changed {
                for (digest, token) in gone { table.remove(digest, token) }
            }
            for (_, shard, came) in changed {
                for (digest, token) in shard.tokens.suffix(came) { table.insert(digest, token) }
            }
        }
        // The newest creation date. A first load has read every token; a reload keeps the previous one unless a
        // token that could have held it went.
        let came = changed.flatMap { $0.shard.tokens.suffix($0.came) }
        let newestCame = came.map(\.1.created).max() ?? .distantPast
        let newestCreated: Date
        if let reusable {
            let shardGone = reusable.shards.keys.contains { shards[$0] == nil }
            let newestGone = changed.contains { $0.gone.contains { $0.1.created >= reusable.newestCreated } }
            newestCreated = shardGone || newestGone ? (table.allTokens.map(\.created).max() ?? .distantPast)
                : max(reusable.newestCreated, newestCame)
        } else {
            newestCreated = newestCame
        }
        // Tokens past the lifetime cap, the same list on a first load and a reload: when the cap moved earlier every
        // token is looked at again, otherwise those read now and those found before that are still there.
        let latestExpiry = AuthorizationSnapshot.latestExpiry(since: max(info.time, newestCreated),
                                                              maxLifetimeDays: settings.maxLifetimeDays)
        let candidates: [(SHA256.Digest, GrantedToken)]
        if let reusable {
            candidates = reusable.authorization.latestExpiry <= latestExpiry ? reusable.beyondLifetime + came : table.tokens.entries
        } else {
            candidates = came
        }
        var reported = Set<TokenID>()
        let beyondLifetime = candidates.filter { digest, token in
            token.expires > latestExpiry && table.tokens[digest].map { $0.id == token.id && $0.expires == token.expires } == true
                && reported.insert(token.id).inserted
        }
        let base = CivilDate(containing: max(info.time, newestCreated))
        for (_, token) in beyondLifetime {
            problems.append(SnapshotProblem(path: token.id.path, reason: "expires \(CivilDate(containing: token.expires)), beyond the store's maximum lifetime of \(settings.maxLifetimeDays) days from \(base) (the later of the head commit's date and the newest token's creation); it works until \(CivilDate(containing: latestExpiry)) at the latest"))
        }
        for tokens in table.collisions.values {
            for token in tokens {
                let others = tokens.filter { $0.id != token.id }.map(\.id.rawValue).sorted().joined(separator: ", ")
                problems.append(SnapshotProblem(path: token.id.path, reason: "same hash as token \(others); every token sharing a hash is denied"))
            }
        }
        problems += shards.keys.sorted().flatMap { shards[$0]!.problems }
        return VerifiedSnapshot(
            authorization: AuthorizationSnapshot(commit: commit.hex, committed: info.time, tokenPrefix: settings.tokenPrefix,
                                                 tokens: table.tokens, latestExpiry: latestExpiry,
                                                 sharedHashes: Set(table.collisions.keys)),
            problems: problems.sorted { $0.path < $1.path }, tokensTree: tokensTree, shards: shards,
            collisions: table.collisions, beyondLifetime: beyondLifetime, newestCreated: newestCreated,
            forbiddenMethods: settings.forbiddenMethods,
            filesRead: decoder.decoded)
    }

    /// One shard folder. Anything but a regular JSON file of a valid token is a problem, never a token. With the
    /// shard's `previous` state, only files whose blob or mode changed are read: the result says which tokens went
    /// (changed or removed files) and how many came (new or changed files: the last ones of the shard's tokens).
    static func loadShard(_ repository: Repository, entry: TreeEntry, previous: VerifiedSnapshot.Shard? = nil,
                          decoder: inout GrantedTokenDecoder, settings: StoreSettings? = nil) throws
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
        guard Set(files.map(\.name)).count == files.count else {
            throw VerifierError.damagedStore(commit: "", reason: "\(folder) names one file twice (git fsck: duplicateEntries)")
        }
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
                // A token granting what the store forbids is denied, whoever signed it (pat itself never writes one).
                if let settings, !settings.forbiddenMethods.isEmpty {
                    let forbidden = token.methods.names.filter(settings.forbids)
                    if !forbidden.isEmpty {
                        problems.append(SnapshotProblem(path: path, reason: "grants \(forbidden.prefix(5).joined(separator: ", ")), which the store's settings forbid (forbiddenMethods); denied"))
                        continue
                    }
                }
                tokens.append((hash.digest, token))
                came += 1
            } catch let error as StoreFileError {
                problems.append(SnapshotProblem(path: path, reason: error.reason + "; denied"))
            }
        }
        return (.init(tree: entry.id, tokens: tokens, problems: problems.sorted { $0.path < $1.path }), gone, came)
    }
}
