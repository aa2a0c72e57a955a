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

    init(path: String, repository: Repository) {
        self.path = path
        self.repository = repository
    }

    /// Opens an existing store, or says precisely why `path` is not one.
    public static func open(at path: String) throws -> Store {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw StoreError.storeMissing(path) }
        guard isDirectory.boolValue else { throw StoreError.notAStore(path, reason: "it is a file, not a directory") }
        let repository: Repository
        do {
            repository = try Repository.open(at: path)
        } catch {
            if isEmptyDirectory(path) { throw StoreError.storeMissing(path) }
            throw StoreError.notAStore(path, reason: "it is not a git repository")
        }
        let store = Store(path: path, repository: repository)
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
        return try StoreView(repository: repository, commit: id)
    }

    /// Any revision git understands, as a commit of this store.
    public func commit(forRevision revision: String) throws -> ObjectID {
        try repository.resolveCommit(revision: revision)
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

    init(repository: Repository, commit: ObjectID) throws {
        self.repository = repository
        self.commit = commit
        let tree = try repository.commit(commit).tree
        self.tree = tree
        func file(_ path: String) throws -> [UInt8] {
            guard let bytes = try repository.file(atPath: path, inTree: tree) else {
                throw StoreFileError(path: path, reason: "the file is missing")
            }
            return bytes
        }
        settings = try StoreSettings.decode(try file(StoreSettings.path))
        let signersText = String(decoding: try file(AllowedSigners.path), as: UTF8.self)
        do {
            signers = try AllowedSigners.parse(signersText)
        } catch {
            throw StoreFileError(path: AllowedSigners.path, reason: error.description)
        }
        var presets: [Preset] = []
        if let folder = try repository.entry(atPath: "presets", inTree: tree), folder.kind == .tree {
            for entry in try repository.entries(ofTree: folder.id)
            where entry.kind == .blob && entry.name.hasSuffix(".json") {
                let bytes = try repository.readBlob(entry.id)
                presets.append(try PresetFile.decode(bytes, path: "presets/\(entry.name)"))
            }
        }
        self.presets = PresetSet(presets)
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
