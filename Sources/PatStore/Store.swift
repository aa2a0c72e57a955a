import Foundation
import PatCore
import PatGit
import PatSSH

/// A token store: a bare git repository whose `main` branch holds pat.json, allowed_signers, presets/
/// and tokens/<shard>/<id>.json. Every change is one signed commit on `main`.
public final class Store {
    public static let branch = "refs/heads/main"
    public static let branchName = "main"
    /// Where the store remembers, in its local (never committed) git config, the key `pat init` adopted.
    static let signingKeyConfig = "pat.signingKey"

    public let path: String
    let repository: Repository
    /// The parsed settings, signers and presets of the last view, by the ids of their blobs and folder: every
    /// write reads them at the head, and they seldom change.
    let parsed = ParsedFiles()

    init(path: String, repository: Repository) {
        self.path = path
        self.repository = repository
    }

    /// Opens an existing store, or says precisely why `path` is not one. `requireMain: false` for a read of
    /// another ref: a CI checkout of a pull request may have no local main.
    public static func open(at path: String, requireMain: Bool = true) throws -> Store {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw StoreError.storeMissing(path) }
        guard isDirectory.boolValue else { throw StoreError.notAStore(path, reason: "it is a file, not a directory") }
        let repository: Repository
        do {
            repository = try Repository.open(at: path)
        } catch {
            if error.isOwnedByAnotherUser { throw StoreError.ownedByAnotherUser(error.message) }
            if isEmptyDirectory(path) { throw StoreError.storeMissing(path) }
            throw StoreError.notAStore(path, reason: "it is not a git repository")
        }
        let store = Store(path: path, repository: repository)
        guard requireMain else { return store }
        guard let head = try repository.resolve(reference: branch) else {
            throw StoreError.notAStore(path, reason: "its branch \(branchName) has no commits")
        }
        let tree = try repository.commit(head).tree
        guard try repository.entry(atPath: StoreSettings.path, inTree: tree) != nil else {
            throw StoreError.notAStore(path, reason: "there is no \(StoreSettings.path) at the top of its tree")
        }
        return store
    }

    static func isEmptyDirectory(_ path: String) -> Bool {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? false
    }

    /// The commit `main` points at.
    public func head() throws -> ObjectID {
        guard let head = try repository.resolve(reference: Store.branch) else {
            throw StoreError.notAStore(path, reason: "its branch \(Store.branchName) has no commits")
        }
        return head
    }

    /// The store as of `commit` (default: the current head).
    public func view(at commit: ObjectID? = nil) throws -> StoreView {
        let id = try commit ?? head()
        return try StoreView(repository: repository, commit: id, parsed: parsed)
    }

    /// Any revision git understands (a branch, tag, HEAD, an id), as a commit of this store.
    public func commit(forRevision revision: String) throws -> ObjectID {
        do { return try repository.resolveCommit(revision: revision) } catch {
            throw StoreError.unknownRevision(revision, error.message)
        }
    }

    /// The commit a read looks at: `revision` when given, else main's head.
    public func commit(reading revision: String?) throws -> ObjectID {
        guard let revision else { return try head() }
        return try commit(forRevision: revision)
    }

    /// The key `pat init --signing-key` adopted for this store, if any.
    public var rememberedSigningKeyPath: String? { repository.configString(Store.signingKeyConfig) }

    /// The identity for new commits: explicit, else git's user.name/user.email, else the store's default.
    func identity(override: Identity?, settings: StoreSettings) -> Identity {
        override ?? repository.defaultIdentity()
            ?? Identity(name: settings.defaultAuthorName, email: settings.defaultAuthorEmail)
    }
}

/// A read-only look at the store at one commit.
public struct StoreView {
    let repository: Repository
    public let commit: ObjectID
    public let tree: ObjectID
    public let settings: StoreSettings
    public let signers: AllowedSigners
    public let presets: PresetSet

    init(repository: Repository, commit: ObjectID, parsed: ParsedFiles = ParsedFiles()) throws {
        self.repository = repository
        self.commit = commit
        let tree = try repository.commit(commit).tree
        self.tree = tree
        let top = Dictionary(try repository.entries(ofTree: tree).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func blob(_ path: String) throws -> ObjectID {
            guard let entry = top[path], entry.kind == .blob else { throw StoreFileError(path: path, reason: "the file is missing") }
            return entry.id
        }
        settings = try parsed.settings.value(for: try blob(StoreSettings.path)) { id in
            try StoreSettings.decode(try repository.readBlob(id))
        }
        signers = try parsed.signers.value(for: try blob(AllowedSigners.path)) { id in
            let text = String(decoding: try repository.readBlob(id), as: UTF8.self)
            do {
                return try AllowedSigners.parse(text)
            } catch {
                throw StoreFileError(path: AllowedSigners.path, reason: "\(error)")
            }
        }
        if let folder = top["presets"], folder.kind == .tree {
            presets = try parsed.presets.value(for: folder.id) { id in
                var presets: [Preset] = []
                for entry in try repository.entries(ofTree: id) where entry.kind == .blob && entry.name.hasSuffix(".json") {
                    presets.append(try PresetFile.decode(try repository.readBlob(entry.id), path: "presets/\(entry.name)"))
                }
                return PresetSet(presets)
            }
        } else {
            presets = PresetSet([])
        }
    }

    /// One token, or nil when there is no file for it.
    public func token(_ id: TokenID) throws -> Token? {
        guard let bytes = try repository.file(atPath: id.path, inTree: tree) else {
            return nil
        }
        return try TokenFile.decode(bytes, path: id.path)
    }

    public func requireToken(_ id: TokenID) throws -> Token {
        guard let token = try token(id) else { throw StoreError.unknownToken(id.rawValue) }
        return token
    }

    /// Every token, reading each shard once. A damaged file is an error naming it.
    public func tokens() throws -> [Token] {
        guard let folder = try repository.entry(atPath: "tokens", inTree: tree),
              folder.kind == .tree else { return [] }
        var tokens: [Token] = []
        for shard in try repository.entries(ofTree: folder.id) {
            guard shard.kind == .tree else {
                throw StoreFileError(path: "tokens/\(shard.name)", reason: "expected a shard folder")
            }
            for entry in try repository.entries(ofTree: shard.id) {
                let path = "tokens/\(shard.name)/\(entry.name)"
                guard entry.isRegularFile else {
                    throw StoreFileError(path: path, reason: "expected a regular file")
                }
                let bytes = try repository.readBlob(entry.id)
                tokens.append(try TokenFile.decode(bytes, path: path))
            }
        }
        return tokens
    }
}

/// Parsed store files by the id of what they were parsed from: an id names one content, so a hit is always right.
final class ParsedFiles {
    final class Slot<Value> {
        private var last: (id: ObjectID, value: Value)?

        func value(for id: ObjectID, parse: (ObjectID) throws -> Value) throws -> Value {
            if let last, last.id == id { return last.value }
            let value = try parse(id)
            last = (id, value)
            return value
        }
    }

    let settings = Slot<StoreSettings>()
    let signers = Slot<AllowedSigners>()
    let presets = Slot<PresetSet>()
}
