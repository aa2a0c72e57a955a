import ArgumentParser
import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store: settings, presets and signers file in one signed first commit.",
        discussion: """
            Without --signing-key, pat uses its own key $PAT_HOME/signing_key (PAT_HOME defaults to ~/.config/pat), \
            creating it, protected by a password you choose, when it does not exist yet.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: ArgumentHelp("Name for the key in the signers file (default: the author e-mail).", valueName: "principal"))
    var principal: String?

    @Option(help: ArgumentHelp("Prefix of token values, 1-16 letters or digits.", valueName: "prefix"))
    var tokenPrefix = "pat"

    @Option(help: ArgumentHelp("Longest lifetime a token may get, in days.", valueName: "days"))
    var maxLifetimeDays = StoreSettings.defaultMaxLifetimeDays

    @OptionGroup var output: JSONOption

    /// Fails before a key is made when init would fail anyway.
    private func checkStoreCanBeCreated() throws {
        if (try? Store.open(at: store.path)) != nil { throw StoreError.storeExists(store.path) }
    }

    func run() throws {
        // Adopt the key given (or pat's own one, if it exists); otherwise make a new, password-protected one.
        let keyPath = (try? signing.keyPath(for: nil)) ?? PatHome.defaultKeyPath
        var created: OpenSSHPrivateKey?
        if !FileManager.default.fileExists(atPath: keyPath) {
            guard signing.signingKey == nil else { throw StoreError.key(path: keyPath, .unreadable(keyPath, "no such file")) }
            try checkStoreCanBeCreated()
            let password = signing.noPassword ? nil : try signing.passwordInput.readNew(prompt: "Password for the new key \(keyPath): ")
            let key = OpenSSHPrivateKey.generate(comment: principal ?? signing.authorEmail ?? "pat@\(ProcessInfo.processInfo.hostName)")
            try KeyFiles.write(key, passphrase: password, to: keyPath)
            created = key
            Console.note("Created a new ed25519 signing key \(keyPath)\(password == nil ? " without a password" : ", protected by your password")")
        }
        let signer: any SSHSigner = try created ?? signing.signer(for: nil)
        let comment = (signer as? OpenSSHPrivateKey)?.comment ?? ""
        let principal = principal ?? signing.authorEmail ?? (comment.contains("@") ? comment : "pat@localhost")
        let (store, commit) = try Store.create(StoreCreation(
            path: self.store.path, signer: signer, principal: principal, identity: signing.identity,
            tokenPrefix: tokenPrefix, maxLifetimeDays: maxLifetimeDays, signingKeyPath: keyPath))
        if output.json {
            Console.out(JSONText.object([("store", .string(store.path)), ("commit", .string(commit.hex)),
                                         ("principal", .string(principal)),
                                         ("fingerprint", .string(signer.publicKey.fingerprint))]).rendered())
        } else {
            Console.out("Created store \(store.path) (commit \(commit.short)); signer \(principal) \(signer.publicKey.fingerprint)")
        }
    }
}
