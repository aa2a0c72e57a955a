import ArgumentParser
import Foundation
import PatCore
import PatStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one token: its settings and its history from git.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var ref: RefOption
    @Argument(help: ArgumentHelp("The token's id.", valueName: "id"))
    var id: String
    @OptionGroup var output: JSONOption

    func run() throws {
        let id = try parseTokenID(id)
        let (store, commit) = try store.open(reading: ref)
        let token = try store.view(at: commit).requireToken(id)
        let history = try store.history(of: id, from: commit)
        let now = Date()
        if output.json {
            Console.out(JSONText.object([("token", Render.tokenJSON(token, now: now)),
                                         ("history", .array(history.map(Render.recordJSON)))]).rendered())
        } else {
            Console.out(Render.tokenDetails(token, now: now) + "\n\nHistory:\n" + history.map(Render.recordLine).joined(separator: "\n"))
        }
    }
}
