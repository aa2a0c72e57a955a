import Foundation

/// The files under templates/, compiled into the binary (templates/Generated/EmbeddedFiles.swift, made by
/// scripts/gen-templates.py), so that `pat` is one self-contained executable that runs from anywhere.
public enum PatTemplates {
    /// The method catalog built from the platform's API list (see templates/README.md).
    public static func catalogData() throws -> Data {
        guard let file = embeddedFiles.first(where: { $0.path == catalogPath }) else { throw Missing(path: catalogPath) }
        return Data(file.text.utf8)
    }

    /// Each predefined API set as (file name, contents), sorted by name.
    public static func presetFiles() throws -> [(name: String, data: Data)] {
        embeddedFiles.filter { $0.path.hasPrefix("presets/") && $0.path.hasSuffix(".json") }
            .map { (String($0.path.dropFirst("presets/".count)), Data($0.text.utf8)) }
            .sorted { $0.name < $1.name }
    }

    static let catalogPath = "catalog/api-methods.json"

    /// A template the build left out (scripts/gen-templates.py was not run after adding it).
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "templates/\(path) is not compiled into pat; run scripts/gen-templates.py and rebuild" }
    }
}
