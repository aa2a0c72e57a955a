import ArgumentParser
import Foundation
import PatCore
import PatStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The latest changes: when, who signed, what, and whether the signature verifies.",
        discussion: "Each commit's signature is checked against the signers file of its parent commit.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var ref: RefOption
    @Option(name: [.customShort("n"), .customLong("count")], help: ArgumentHelp("How many commits to show.", valueName: "n"))
    var count = 20
    @OptionGroup var output: JSONOption

    func validate() throws {
        if count < 1 { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        let (opened, commit) = try store.open(reading: ref)
        let records = try opened.log(limit: count, from: commit)
        if output.json {
            Console.out(JSONText.array(records.map(Render.recordJSON)).rendered())
        } else {
            Console.out(records.map(Render.recordLine).joined(separator: "\n"))
        }
    }
}
