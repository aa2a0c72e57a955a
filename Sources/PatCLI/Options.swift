import ArgumentParser
import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore

/// --store, on every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store repository (default: $PAT_STORE, else ./store).", valueName: "dir"))
    var store: String?

    var path: String {
        store ?? ProcessInfo.processInfo.environment["PAT_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "store"
    }

    func open() throws -> Store { try Store.open(at: path) }

    /// The store and the commit a read command looks at: main's head, or `--ref`.
    func open(reading ref: RefOption) throws -> (store: Store, commit: ObjectID) {
        let store = try Store.open(at: path, requireMain: ref.ref == nil)
        return (store, try store.commit(reading: ref.ref))
    }
}

/// --ref, on every command that reads the store.
struct RefOption: ParsableArguments {
    @Option(help: ArgumentHelp("Read the store as of this ref: a branch, tag, HEAD or commit id (default: main).", valueName: "ref"))
    var ref: String?
}

/// Who signs a change, and the password that confirms it, on every command that changes the store.
struct SigningOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "OpenSSH ed25519 key that signs the commit (default: $PAT_SIGNING_KEY, else the key 'pat init' adopted, else $PAT_HOME/signing_key). A public key file means: sign through ssh-agent.",
        valueName: "path"))
    var signingKey: String?

    @Option(help: ArgumentHelp("Read the key's password from the first line of this file.", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Read the key's password from the first line of standard input.")
    var passwordStdin = false

    @Flag(help: "Sign with a key that has no password (throwaway and CI keys); changes are then not confirmed by one.")
    var noPassword = false

    @Option(name: .long, help: ArgumentHelp("Author and committer name (default: git's user.name, else the store's).", valueName: "name"))
    var authorName: String?

    @Option(name: .long, help: ArgumentHelp("Author and committer e-mail (default: git's user.email, else the store's).", valueName: "email"))
    var authorEmail: String?

    func validate() throws {
        if (authorName == nil) != (authorEmail == nil) {
            throw ValidationError("give --author-name and --author-email together")
        }
        if passwordFile != nil && passwordStdin { throw ValidationError("give --password-file or --password-stdin, not both") }
        if noPassword && (passwordFile != nil || passwordStdin) {
            throw ValidationError("--no-password cannot go with --password-file or --password-stdin")
        }
    }

    var identity: Identity? {
        guard let authorName, let authorEmail else { return nil }
        return Identity(name: authorName, email: authorEmail)
    }

    var passwordInput: PasswordInput {
        if let passwordFile { return .file(passwordFile) }
        return passwordStdin ? .standardInput : .terminal
    }

    func keyPath(for store: Store?) throws -> String {
        if let signingKey { return signingKey }
        if let path = ProcessInfo.processInfo.environment["PAT_SIGNING_KEY"], !path.isEmpty { return path }
        if let path = store?.rememberedSigningKeyPath { return path }
        if FileManager.default.fileExists(atPath: PatHome.defaultKeyPath) { return PatHome.defaultKeyPath }
        throw StoreError.noSigningKey
    }

    /// The key that signs: held by ssh-agent when the agent has it, else the key file unlocked with its password.
    func signer(for store: Store?) throws -> any SSHSigner {
        try SignerUnlock.signer(keyPath: try keyPath(for: store), password: passwordInput, allowUnprotected: noPassword)
    }

    /// `branch`: where the commit goes (main when not given).
    func writeOptions(for store: Store, branch: BranchOptions? = nil) throws -> WriteOptions {
        WriteOptions(signer: try signer(for: store), identity: identity, branch: branch?.branch, base: branch?.base)
    }
}

/// Where a change goes: main, or a branch for a pull request.
struct BranchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Commit on this branch instead of main (created from --base when missing).", valueName: "name"))
    var branch: String?

    @Option(help: ArgumentHelp("Where a new --branch starts (default: main).", valueName: "ref"))
    var base: String?

    func validate() throws {
        if base != nil && branch == nil { throw ValidationError("--base goes with --branch: it says where a new branch starts") }
    }
}

/// --json, on every command that prints data.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

/// Where a new token value goes: stdout, or a new 0600 file.
struct SecretOutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Write the new value to this new file (mode 0600) instead of printing it.", valueName: "file"))
    var output: String?

    /// Where the values will go, opened before anything is committed: a bad --output path or a closed stdout
    /// refuses the change while the store is unchanged.
    func open() throws -> SecretOutput { try SecretOutput.open(file: output) }
}

/// The API a token may call: a preset or methods picked one by one.
struct APIOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A predefined API set: \"Extended Access\", \"IDE Plugins\", \"Marketplace\", \"Maven Plugin\" (see 'pat presets').",
        valueName: "preset"))
    var api: String?

    @Option(name: .customLong("method"), help: ArgumentHelp(
        "An API method the token may call, e.g. environment.Control.StopEnv (repeat for more; see 'pat methods').",
        valueName: "method"))
    var methods: [String] = []
}

func parseTokenID(_ text: String) throws -> TokenID {
    guard let id = TokenID(text) else { throw StoreError.invalidTokenID(text) }
    return id
}
