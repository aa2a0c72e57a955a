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

    static let fields: Set<String> = ["description", "expires", "api", "methods", "token", "hash"]

    /// Reads the whole file with pat's strict JSON reader (a duplicate key is refused, not silently the last one
    /// wins), noting every problem of every line; the lines that make entries are checked against the store later,
    /// and their problems reported together with these (`ImportFile.problems`).
    public static func parse<Bytes: Collection>(_ bytes: Bytes) -> ImportFile where Bytes.Element == UInt8 {
        var file = ImportFile()
        let bytes = Array(bytes)
        var lineStart = 0
        var number = 0
        while lineStart <= bytes.count {
            number += 1
            let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            // The line as it is, so that a column counts from its start (the JSON reader skips the blanks itself).
            let line = bytes[lineStart..<lineEnd]
            let first = line.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
            if first == nil || first == UInt8(ascii: "#") { continue }
            if let entry = parseLine(line, number: number, problems: &file.problems) { file.entries.append(entry) }
        }
        if file.entries.isEmpty && file.problems.isEmpty { file.problems.append(.init(line: nil, message: "the file has no tokens")) }
        return file
    }

    /// One line's entry, or nil when the line cannot make one; its problems are added to `problems`.
    static func parseLine(_ line: ArraySlice<UInt8>, number: Int, problems: inout [ImportFileError.Problem]) -> ImportEntry? {
        func problem(_ message: String) { problems.append(.init(line: number, message: message)) }
        let object: [String: JSONValue]
        do {
            guard let parsed = try JSONValue.parse(line).objectValue else {
                problem("not a JSON object")
                return nil
            }
            object = parsed
        } catch {
            problem("not valid JSON: \(error.reason) at column \(error.offset + 1)")
            return nil
        }
        let unknown = Set(object.keys).subtracting(fields).sorted()
        if !unknown.isEmpty { problem("unknown field\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", "))") }
        var typed = true
        func string(_ key: String, required: Bool = false) -> String? {
            switch object[key] {
            case .string(let text)?: return text
            case nil where !required: return nil
            default:
                problem("'\(key)' must be a string")
                typed = false
                return nil
            }
        }
        let description = string("description", required: true)
        let expires = string("expires", required: true)
        let api = string("api")
        let token = string("token")
        let hash = string("hash")
        var methods: [String] = []
        switch object["methods"] {
        case nil: break
        case .array(let items)?:
            let names = items.compactMap { item -> String? in if case .string(let name) = item { name } else { nil } }
            if names.count == items.count { methods = names } else { fallthrough }
        default:
            problem("'methods' must be a list of strings")
            typed = false
        }
        if object["token"] != nil && object["hash"] != nil { problem("give 'token' or 'hash', not both") }
        // A line whose fields have the wrong types makes no entry: checking a guess of it would only add noise.
        guard typed, let description, let expires else { return nil }
        return ImportEntry(line: number, description: description, expires: expires, preset: api, methods: methods,
                           token: token, hash: hash)
    }

    /// Parses the whole file, reporting every bad line at once.
    public static func parseLines(_ text: String) -> Result<[ImportEntry], ImportFileError> {
        let file = parse(Array(text.utf8))
        return file.problems.isEmpty ? .success(file.entries) : .failure(ImportFileError(problems: file.problems))
    }
}

/// An import file as read: the entries its good lines make, and every problem found so far.
public struct ImportFile: Sendable, Equatable {
    public var entries: [ImportEntry] = []
    public var problems: [ImportFileError.Problem] = []
    public init(entries: [ImportEntry] = [], problems: [ImportFileError.Problem] = []) {
        self.entries = entries
        self.problems = problems
    }
}

/// Everything wrong with an import file, in the order of its lines.
public struct ImportFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        /// nil for a problem of the whole file.
        public var line: Int?
        public var message: String
        public init(line: Int?, message: String) {
            self.line = line
            self.message = message
        }
        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    public var problems: [Problem]
    /// Sorted by line (stable, so a line's problems keep their order); problems of the whole file first.
    public init(problems: [Problem]) {
        self.problems = problems.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
        }.map(\.element)
    }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
