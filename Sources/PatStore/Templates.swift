import PatCore
import PatTemplates

/// The catalog and presets shipped inside pat, parsed once.
public enum BuiltInTemplates {
    public static func catalog() throws -> MethodCatalog { try loaded.get().catalog }
    public static func presets() throws -> [Preset] { try loaded.get().presets }

    private static let loaded: Result<(catalog: MethodCatalog, presets: [Preset]), any Error> = {
        do {
            let catalog = try CatalogFile.decode(try PatTemplates.catalogData(), path: "templates/catalog/api-methods.json")
            let presets = try PatTemplates.presetFiles().map { file in
                try PresetFile.decode(file.data, path: "templates/presets/\(file.name)")
            }
            return .success((catalog, presets))
        } catch {
            return .failure(StoreError.templates("\(error)"))
        }
    }()
}
