import ArgumentParser
import Foundation
import PatCore
import PatStore

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change a token's description, expiry or API; the value stays the same.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The token's id.", valueName: "id"))
    var id: String
    @Option(help: ArgumentHelp("New description.", valueName: "text"))
    var description: String?
    @Option(help: ArgumentHelp("New expiry day (dd-mm-yyyy, yyyy-mm-dd, +30d ...).", valueName: "date"))
    var expires: String?
    @OptionGroup var api: APIOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let id = try parseTokenID(id)
        let store = try store.open()
        let committed = try store.edit(
            id, TokenSettingsRequest(description: description, expires: expires, preset: api.api, methods: api.methods),
            try signing.writeOptions(for: store, branch: branch))
        let token = committed.change.tokens[0]
        if output.json {
            Console.out(JSONText.object([("commit", .string(committed.commit.hex)),
                                         ("tokens", .array([Render.tokenJSON(token, now: Date())]))]).rendered())
        } else {
            Console.out("edit: token \(token.id) \"\(DisplayText.escaped(token.description))\", expires \(Render.day(token.expires)), API \(token.api.preset) (\(token.api.methods.count) methods); commit \(committed.commit.short)\(Render.onBranch(committed.branch))")
        }
    }
}
