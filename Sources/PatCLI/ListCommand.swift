import ArgumentParser
import Foundation
import PatCore
import PatStore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the current tokens, newest first.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var ref: RefOption
    @Option(help: ArgumentHelp("Only tokens whose description or id contains this text (any case).", valueName: "text"))
    var search: String?
    @Flag(help: "Only tokens that have not expired.")
    var active = false
    @Flag(help: "Only expired tokens.")
    var expired = false
    @OptionGroup var output: JSONOption

    func validate() throws {
        if active && expired { throw ValidationError("give --active or --expired, not both") }
    }

    func run() throws {
        let now = Date()
        let (opened, commit) = try store.open(reading: ref)
        let view = try opened.view(at: commit)
        let tokens = TokenQuery(search: search, state: active ? .active : expired ? .expired : .any)
            .apply(to: try view.tokens(), now: now)
        if output.json {
            Console.out(JSONText.object([("commit", .string(view.commit.hex)),
                                         ("tokens", .array(tokens.map { Render.tokenJSON($0, now: now) }))]).rendered())
        } else if tokens.isEmpty {
            Console.note("no tokens")
        } else {
            Console.out(Render.tokenTable(tokens, now: now))
        }
    }
}
