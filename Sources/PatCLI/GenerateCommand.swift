import ArgumentParser
import Foundation
import PatCore
import PatStore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a new token; its value is shown once.",
        discussion: "The value goes to stdout (or --output FILE) only after the commit recording its hash is on the branch.")

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("What the token is for (1-256 characters).", valueName: "text"))
    var description: String
    @Option(help: ArgumentHelp("Expiry day: dd-mm-yyyy, yyyy-mm-dd, or +30d / +12w / +1y. The token works until the end of that day, UTC.", valueName: "date"))
    var expires: String
    @OptionGroup var api: APIOptions
    @OptionGroup var secretOutput: SecretOutputOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let request = TokenSettingsRequest(description: description, expires: expires, preset: api.api, methods: api.methods)
        try ValueDelivery.commitAndDeliver(store: store, output: secretOutput, signing: signing, branch: branch, json: output.json) { store, options in
            try store.generate(request, options)
        }
    }
}
