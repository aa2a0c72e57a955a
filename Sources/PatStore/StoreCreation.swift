import Foundation
import PatCore
import PatGit
import PatSSH

public struct StoreCreation {
    public var path: String
    public var signer: any SSHSigner
    public var principal: String
    public var identity: Identity?
    public var tokenPrefix: String
    public var maxLifetimeDays: Int
    /// Remembered in the store's local git config so later commands find the key without --signing-key.
    public var signingKeyPath: String?
    public var now: Date

    public init(path: String, signer: any SSHSigner, principal: String, identity: Identity? = nil,
                tokenPrefix: String = "pat", maxLifetimeDays: Int = StoreSettings.defaultMaxLifetimeDays,
                signingKeyPath: String? = nil, now: Date = Date()) {
        self.path = path
        self.signer = signer
        self.principal = principal
        self.identity = identity
        self.tokenPrefix = tokenPrefix
        self.maxLifetimeDays = maxLifetimeDays
        self.signingKeyPath = signingKeyPath
        self.now = now
    }
}

extension Store {
    /// Files that may already sit in a directory that becomes a store (the project's own store/ placeholder).
    static let ignorableEntries: Set<String> = ["README.md", ".gitignore", ".gitkeep"]

    /// Creates the store repository with its settings, presets and signers file in one signed first commit.
    public static func create(_ request: StoreCreation) throws -> (store: Store, commit: ObjectID) {
        let path = request.path
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: path) {
            if (try? Repository.open(at: path)) != nil { throw StoreError.storeExists(path) }
            if !Set(entries).isSubset(of: ignorableEntries) { throw StoreError.directoryNotEmpty(path) }
        } else if FileManager.default.fileExists(atPath: path) {
            throw StoreError.notAStore(path, reason: "it is a file, not a directory")
        }
        guard AllowedSigners.isValidPrincipal(request.principal) else { throw StoreError.invalidPrincipal(request.principal) }
        let identity = request.identity ?? Identity(name: "pat", email: request.principal)
        let settings = StoreSettings(tokenPrefix: request.tokenPrefix, maxLifetimeDays: request.maxLifetimeDays,
                                     defaultAuthorName: identity.name, defaultAuthorEmail: identity.email)
        let problems = TokenSettingsRules.problems(settings)
        guard problems.isEmpty else { throw StoreError.invalidSettings(problems) }
        let presets = try BuiltInTemplates.presets()

        var files: [String: TreeChange] = [
            StoreSettings.path: .write(Array(settings.encoded().utf8)),
            AllowedSigners.path: .write(Array(AllowedSigners(entries: [.init(principal: request.principal, key: request.signer.publicKey)]).text.utf8)),
        ]
        for preset in presets { files["presets/\(preset.slug).json"] = .write(Array(PresetFile.encode(preset).utf8)) }
        let message = CommitMessage(
            operation: .initialize, subject: "Create token store",
            body: ["Token prefix \(settings.tokenPrefix), maximum lifetime \(settings.maxLifetimeDays) days.",
                   "Signer \(request.principal) (\(request.signer.publicKey.fingerprint)).",
                   "Presets: \(presets.map(\.name).joined(separator: ", "))."])

        let existed = FileManager.default.fileExists(atPath: path)
        do {
            let repository = try Repository.createBare(at: path, branch: branchName)
            let store = Store(path: path, repository: repository)
            let commit = try store.writeCommit(
                tree: try repository.tree(applying: files, to: nil), parents: [],
                identity: request.identity ?? repository.defaultIdentity() ?? identity,
                time: request.now, message: message, signer: request.signer)
            try repository.updateReference(branch, to: commit, expected: nil, message: "pat: init")
            if let keyPath = request.signingKeyPath {
                try repository.setConfigString(signingKeyConfig, URL(fileURLWithPath: keyPath).standardizedFileURL.path)
            }
            return (store, commit)
        } catch {
            // Leave the directory as it was: remove what init made, keep what was there.
            removeRepositoryFiles(at: path, removeDirectory: !existed)
            throw error
        }
    }

    private static func removeRepositoryFiles(at path: String, removeDirectory: Bool) {
        let manager = FileManager.default
        if removeDirectory {
            try? manager.removeItem(atPath: path)
            return
        }
        for entry in (try? manager.contentsOfDirectory(atPath: path)) ?? [] where !ignorableEntries.contains(entry) {
            try? manager.removeItem(atPath: (path as NSString).appendingPathComponent(entry))
        }
    }
}
