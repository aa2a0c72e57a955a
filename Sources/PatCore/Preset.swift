/// A predefined API set: patterns over the catalog, expanded to method names when a token is written.
public struct Preset: Equatable, Sendable {
    public var name: String
    public var summary: String
    public var rationale: String
    public var include: [String]
    public var exclude: [String]

    public init(name: String, summary: String, rationale: String, include: [String], exclude: [String]) {
        self.name = name
        self.summary = summary
        self.rationale = rationale
        self.include = include
        self.exclude = exclude
    }

    /// `Maven Plugin` -> `maven-plugin`, the preset's file name in a store.
    public var slug: String { Preset.slug(name) }

    public static func slug(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
    }

    public func expand(in catalog: MethodCatalog) -> [String] {
        let excluded = Set(exclude.flatMap(catalog.expand(pattern:)))
        return Array(Set(include.flatMap(catalog.expand(pattern:))).subtracting(excluded)).sorted()
    }

    /// Patterns that match nothing in the catalog: a typo in a preset file must not pass unnoticed.
    public func deadPatterns(in catalog: MethodCatalog) -> [String] {
        (include + exclude).filter { catalog.expand(pattern: $0).isEmpty }
    }
}

public struct PresetSet: Sendable {
    public let presets: [Preset]

    public init(_ presets: [Preset]) { self.presets = presets }

    public var names: [String] { presets.map(\.name) }

    /// By name or slug, ignoring case ("maven plugin", "Maven-Plugin").
    public func preset(named name: String) -> Preset? {
        let wanted = Preset.slug(name)
        return presets.first { $0.slug == wanted }
    }
}
