import Foundation

/// The files under templates/, shipped inside the binary as resources.
public enum PatTemplates {
    /// The method catalog built from the platform's API list (see templates/README.md).
    public static func catalogData() throws -> Data {
        try Data(contentsOf: resource("catalog/api-methods.json"))
    }

    /// Each predefined API set as (file name, contents).
    public static func presetFiles() throws -> [(name: String, data: Data)] {
        let folder = resource("presets")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    static func resource(_ relativePath: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent(relativePath)
    }
}
