import ArgumentParser
import Foundation
import Testing
@testable import PatCLI

/// The help text is part of the interface: any change to it shows up here. Refresh the snapshots with
/// PAT_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests, then read the diff.
@Suite struct HelpSnapshotTests {
    static let commands: [(String, ParsableCommand.Type)] = [
        ("pat", PatCommand.self), ("init", InitCommand.self), ("generate", GenerateCommand.self), ("edit", EditCommand.self),
        ("regenerate", RegenerateCommand.self), ("copy", CopyCommand.self), ("remove", RemoveCommand.self), ("import", ImportCommand.self),
        ("list", ListCommand.self), ("show", ShowCommand.self), ("log", LogCommand.self), ("methods", MethodsCommand.self),
        ("presets", PresetsCommand.self), ("verify", VerifyCommand.self), ("serve", ServeCommand.self),
        ("signers", SignersCommand.self), ("signers-add", SignersCommand.Add.self), ("signers-remove", SignersCommand.Remove.self),
        ("signers-list", SignersCommand.List.self), ("key", KeyCommand.self), ("key-rotate", KeyCommand.Rotate.self),
        ("key-passwd", KeyCommand.Passwd.self), ("check", CheckCommand.self), ("settings", SettingsCommand.self),
        ("settings-show", SettingsCommand.Show.self), ("settings-set", SettingsCommand.Set.self), ("approve", ApproveCommand.self),
        ("merge", MergeCommand.self),
    ]

    @Test(arguments: commands.map(\.0))
    func helpMatchesTheSnapshot(name: String) throws {
        let command = Self.commands.first { $0.0 == name }!.1
        let help = PatCommand.helpMessage(for: command, columns: 100) + "\n"
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/help/\(name).txt")
        if ProcessInfo.processInfo.environment["PAT_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try help.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(help == (try String(contentsOf: file, encoding: .utf8)))
    }
}
