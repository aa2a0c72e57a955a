import ArgumentParser
import Foundation
import PatCore
import PatStore

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove one, several or all tokens in one commit; their values stop working.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The tokens' ids.", valueName: "id"))
    var ids: [String] = []
    @Flag(help: "Remove every token in the store.")
    var all = false
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        if all && !ids.isEmpty { throw ValidationError("give token ids or --all, not both") }
        if !all && ids.isEmpty { throw ValidationError("give the ids of the tokens to remove, or --all") }
    }

    func run() throws {
        let selection: TokenOperations.Selection = all ? .all : .tokens(try ids.map(parseTokenID))
        let store = try store.open()
        let committed = try store.remove(selection, try signing.writeOptions(for: store, branch: branch))
        if output.json {
            Console.out(JSONText.object([("commit", .string(committed.commit.hex)),
                                         ("removed", .array(committed.change.tokens.map { .string($0.id.rawValue) }))]).rendered())
        } else {
            for token in committed.change.tokens { Console.out("remove: token \(token.id) \"\(DisplayText.escaped(token.description))\"") }
            Console.note("\(committed.change.tokens.count) token\(committed.change.tokens.count == 1 ? "" : "s") removed in commit \(committed.commit.short)\(Render.onBranch(committed.branch))")
        }
    }
}
