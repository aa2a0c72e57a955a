import ArgumentParser
import Foundation
import PatCore
import PatStore

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "The predefined API sets and the methods they expand to.",
        discussion: "Reads the store's presets/ when the store exists, else pat's built-in templates.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Show this preset in full.", valueName: "name"))
    var name: String?
    @OptionGroup var output: JSONOption

    func run() throws {
        let catalog = try BuiltInTemplates.catalog()
        let presets: PresetSet
        if let store = try? store.open() {
            presets = try store.view().presets
        } else {
            presets = PresetSet(try BuiltInTemplates.presets())
        }
        var selected = presets.presets
        if let name {
            guard let preset = presets.preset(named: name) else {
                throw TokenValidationError(.unknownPreset(name, known: presets.names))
            }
            selected = [preset]
        }
        if output.json {
            Console.out(JSONText.array(selected.map { preset in
                .object([("name", .string(preset.name)), ("summary", .string(preset.summary)), ("why", .string(preset.rationale)),
                         ("include", .array(preset.include.map(JSONText.string))),
                         ("exclude", .array(preset.exclude.map(JSONText.string))),
                         ("methods", .array(preset.expand(in: catalog).map(JSONText.string)))])
            }).rendered())
        } else if name == nil {
            Console.out(Render.table([["PRESET", "METHODS", "FOR"]] + selected.map {
                [$0.name, String($0.expand(in: catalog).count), $0.summary]
            }))
        } else if let preset = selected.first {
            let methods = preset.expand(in: catalog)
            Console.out(["\(preset.name): \(preset.summary)", "", "Why: \(preset.rationale)", "",
                         "Include: \(preset.include.joined(separator: ", "))",
                         "Exclude: \(preset.exclude.isEmpty ? "-" : preset.exclude.joined(separator: ", "))", "",
                         "\(methods.count) methods:"].joined(separator: "\n") + "\n" + methods.map { "  " + $0 }.joined(separator: "\n"))
        }
    }
}
