import ArgumentParser
import Foundation
import PatCore
import PatStore

struct MethodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "methods",
        abstract: "The API methods a token may be granted, each with its documentation link.")

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Only methods whose name contains this text (any case; env. means environment.).", valueName: "text"))
    var search: String?
    @Option(help: ArgumentHelp("Only the methods this token may call (the \"only checked\" view).", valueName: "id"))
    var checked: String?
    @OptionGroup var ref: RefOption
    @OptionGroup var output: JSONOption

    func run() throws {
        var methods = try BuiltInTemplates.catalog().search(search ?? "")
        if let checked {
            let (opened, commit) = try store.open(reading: ref)
            let token = try opened.view(at: commit).requireToken(try parseTokenID(checked))
            let granted = Set(token.api.methods)
            methods = methods.filter { granted.contains($0.name) }
        }
        if output.json {
            Console.out(JSONText.array(methods.map { method in
                .object([("method", .string(method.name)), ("url", .string(method.urlPath)),
                         ("params", .array(method.params.map(JSONText.string))), ("doc", .string(method.docURL))])
            }).rendered())
        } else if methods.isEmpty {
            Console.note("no methods match")
        } else {
            Console.out(Render.table(methods.map { [$0.name, $0.docURL] }))
            Console.note("\(methods.count) method\(methods.count == 1 ? "" : "s")")
        }
    }
}
