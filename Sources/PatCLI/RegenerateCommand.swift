import ArgumentParser
import Foundation
import PatCore
import PatStore

struct RegenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regenerate",
        abstract: "Give tokens new values, keeping their ids and settings; the old values stop working.",
        discussion: "Also the way to renew an expired token: pass --expires with a new day.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The tokens' ids.", valueName: "id"))
    var ids: [String]
    @Option(help: ArgumentHelp("Also set a new expiry day.", valueName: "date"))
    var expires: String?
    @OptionGroup var secretOutput: SecretOutputOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        if ids.isEmpty { throw ValidationError("give at least one token id") }
    }

    func run() throws {
        let ids = try ids.map(parseTokenID)
        try ValueDelivery.commitAndDeliver(store: store, output: secretOutput, signing: signing, branch: branch, json: output.json) { store, options in
            try store.regenerate(ids, expires: expires, options)
        }
    }
}
