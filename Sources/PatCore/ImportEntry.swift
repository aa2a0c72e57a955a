import Foundation

/// One line of an import file (JSON Lines): a token's settings, and optionally the value or hash of an existing
/// pat-format token to keep (so clients that already hold it keep working).
public struct ImportEntry: Sendable, Equatable {
    public var line: Int
    public var description: String
    public var expires: String
    public var preset: String?
    public var methods: [String]
    public var token: String?
    public var hash: String?

    public init(line: Int, description: String, expires: String, preset: String? = nil, methods: [String] = [],
                token: String? = nil, hash: String? = nil) {
        self.line = line
        self.description = description
        self.expires = expires
        self.preset = preset
        self.methods = methods
        self.token = token
        self.hash = hash
    }

    /// Parses the whole file, reporting every bad line at once.
    public static func parseLines(_ text: String) -> Result<[ImportEntry], ImportFileError> {
        var entries: [ImportEntry] = []
        var problems: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                problems.append("line \(number): not a JSON object")
                continue
            }
            let known: Set<String> = ["description", "expires", "api", "methods", "token", "hash"]
            let unknown = Set(object.keys).subtracting(known).sorted()
            if !unknown.isEmpty { problems.append("line \(number): unknown field \(unknown.joined(separator: ", "))") }
            guard let description = object["description"] as? String, let expires = object["expires"] as? String else {
                problems.append("line \(number): 'description' and 'expires' must be strings")
                continue
            }
            let methods = object["methods"] as? [String]
            if object["methods"] != nil && methods == nil { problems.append("line \(number): 'methods' must be a list of strings") }
            if object["api"] != nil && !(object["api"] is String) { problems.append("line \(number): 'api' must be a string") }
            if object["token"] != nil && object["hash"] != nil { problems.append("line \(number): give 'token' or 'hash', not both") }
            entries.append(ImportEntry(line: number, description: description, expires: expires, preset: object["api"] as? String,
                                       methods: methods ?? [], token: object["token"] as? String, hash: object["hash"] as? String))
        }
        if entries.isEmpty && problems.isEmpty { problems.append("the file has no tokens") }
        return problems.isEmpty ? .success(entries) : .failure(ImportFileError(problems: problems))
    }
}

public struct ImportFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}
