import Foundation
import Testing
import PatTemplates

/// The templates compiled into pat are exactly the files under templates/: a template edited or added without
/// running scripts/gen-templates.py fails here.
@Suite struct EmbeddedTemplatesTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../templates").standardized

    static func filesOnDisk() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for folder in ["catalog", "presets"] {
            let url = templates.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".json") {
                files["\(folder)/\(name)"] = try Data(contentsOf: url.appendingPathComponent(name))
            }
        }
        return files
    }

    @Test func theCompiledTemplatesAreTheFilesUnderTemplates() throws {
        let onDisk = try Self.filesOnDisk()
        let compiled = PatTemplates.embeddedFiles
        #expect(compiled.map(\.path) == onDisk.keys.sorted(), "run scripts/gen-templates.py")
        for file in compiled {
            #expect(Data(file.text.utf8) == onDisk[file.path], "templates/\(file.path) differs from its compiled copy: run scripts/gen-templates.py")
        }
    }

    @Test func theAccessorsReadTheCompiledFiles() throws {
        let onDisk = try Self.filesOnDisk()
        #expect(try PatTemplates.catalogData() == onDisk["catalog/api-methods.json"])
        let presets = try PatTemplates.presetFiles()
        #expect(presets.map(\.name) == onDisk.keys.filter { $0.hasPrefix("presets/") }.map { String($0.dropFirst(8)) }.sorted())
        for preset in presets { #expect(preset.data == onDisk["presets/" + preset.name]) }
    }
}
