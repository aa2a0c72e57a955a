import ArgumentParser
import Foundation
import PatCore
import PatStore

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Generate a new token with an existing token's API settings.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The token to copy.", valueName: "id"))
    var id: String
    @Option(help: ArgumentHelp("Description (default: the original's).", valueName: "text"))
    var description: String?
    @Option(help: ArgumentHelp("Expiry day (default: the original's).", valueName: "date"))
    var expires: String?
    @OptionGroup var secretOutput: SecretOutputOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let id = try parseTokenID(id)
        let request = TokenSettingsRequest(description: description, expires: expires)
        try ValueDelivery.commitAndDeliver(store: store, output: secretOutput, signing: signing, branch: branch, json: output.json) { store, options in
            try store.copy(id, request, options)
        }
    }
}
