import ArgumentParser
import Foundation
import PatCore
import PatGit
import PatStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store: settings, presets and signers file in one signed first commit.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var signing: SigningOptions

    @Option(help: ArgumentHelp("Name for the key in the signers file (default: the author e-mail).", valueName: "principal"))
    var principal: String?

    @Option(help: ArgumentHelp("Prefix of token values, 1-16 letters or digits.", valueName: "prefix"))
    var tokenPrefix = "pat"

    @Option(help: ArgumentHelp("Longest lifetime a token may get, in days.", valueName: "days"))
    var maxLifetimeDays = StoreSettings.defaultMaxLifetimeDays

    @OptionGroup var output: JSONOption

    func run() throws {
        let keyPath = try signing.keyPath(for: nil)
        let signer = try signing.signer(for: nil)
        let principal = principal ?? signing.authorEmail ?? (signer.comment.contains("@") ? signer.comment : "pat@localhost")
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
