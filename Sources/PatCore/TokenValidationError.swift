import Foundation

/// Everything wrong with one request, reported at once.
public struct TokenValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [Problem]

    public init(_ problems: Problem...) { self.problems = problems }
    public init(problems: [Problem]) { self.problems = problems }

    public var description: String { problems.map(\.message).joined(separator: "\n") }

    public enum Problem: Equatable, Sendable {
        case expiryUnparsable(String)
        case expiryBackwards(String, forward: String)
        case expiryInPast(CivilDate)
        case expiryTooFar(CivilDate, latest: CivilDate, maxDays: Int)
        case descriptionEmpty
        case descriptionTooLong(Int)
        case descriptionControlCharacters
        case descriptionBidiControls
        case unknownPreset(String, known: [String])
        case unknownMethod(String, suggestions: [String])
        case noMethods
        case presetAndMethods
        case nothingToChange
        case forbiddenMethods([String])

        public var message: String {
            switch self {
            case .expiryUnparsable(let text):
                "expiry date '\(text)' is not a date: use \(ExpiryInput.accepted)"
            case .expiryBackwards(let text, let forward):
                "expiry date '\(text)' counts backwards: relative dates count forward from today, so write \(forward) (or a date: dd-mm-yyyy, yyyy-mm-dd)"
            case .expiryInPast(let day):
                "expiry date \(day.dashboardForm) is in the past"
            case .expiryTooFar(let day, let latest, let maxDays):
                "expiry date \(day.dashboardForm) is beyond the store's maximum lifetime of \(maxDays) days (latest \(latest.dashboardForm))"
            case .descriptionEmpty:
                "description is empty"
            case .descriptionTooLong(let count):
                "description is \(count) characters long; at most \(DescriptionRules.maximumLength) are allowed"
            case .descriptionControlCharacters:
                "description contains control characters (newlines, tabs, escapes)"
            case .descriptionBidiControls:
                "description contains bidirectional text controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which make text display reordered"
            case .unknownPreset(let name, let known):
                "unknown preset '\(name)'; known presets: \(known.joined(separator: ", "))"
            case .unknownMethod(let name, let suggestions):
                suggestions.isEmpty
                    ? "unknown API method '\(name)'"
                    : "unknown API method '\(name)'; did you mean \(suggestions.joined(separator: ", "))?"
            case .noMethods:
                "no API methods: give --api PRESET or at least one --method"
            case .presetAndMethods:
                "give either --api PRESET or --method, not both"
            case .nothingToChange:
                "nothing to change: give --description, --expires, --api or --method"
            case .forbiddenMethods(let names):
                "the store's settings forbid granting \(names.joined(separator: ", ")) (forbiddenMethods in pat.json)"
            }
        }
    }
}

public enum DescriptionRules {
    public static let maximumLength = 256

    public static func problems(_ text: String) -> [TokenValidationError.Problem] {
        var problems: [TokenValidationError.Problem] = []
        if text.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(.descriptionEmpty) }
        if text.count > maximumLength { problems.append(.descriptionTooLong(text.count)) }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append(.descriptionControlCharacters)
        }
        if text.unicodeScalars.contains(where: DisplayText.isBidiControl) { problems.append(.descriptionBidiControls) }
        return problems
    }
}
