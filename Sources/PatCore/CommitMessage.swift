import Foundation

/// What a commit says: a subject and body a reviewer reads in `git log`, then machine-readable trailers.
/// Every commit carries one `Pat-Operation` trailer and a `Pat-Token` trailer per token it touches.
public struct CommitMessage: Equatable, Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        case initialize = "init", generate, edit, regenerate, copy, remove, `import`
        case signersAdd = "signers-add", signersRemove = "signers-remove", keyRotate = "key-rotate"
        case approve, merge, settings
    }

    /// The trailer of an approval: the id of the tree it approves.
    public static let approveTrailer = "Pat-Approve"

    public var operation: Operation
    public var subject: String
    public var body: [String]
    public var tokens: [TokenID]
    public var extraTrailers: [(String, String)]

    public init(operation: Operation, subject: String, body: [String] = [], tokens: [TokenID] = [],
                extraTrailers: [(String, String)] = []) {
        self.operation = operation
        self.subject = subject
        self.body = body
        self.tokens = tokens
        self.extraTrailers = extraTrailers
    }

    public static func == (a: CommitMessage, b: CommitMessage) -> Bool { a.text == b.text }

    public var text: String {
        var lines = [subject, ""]
        if !body.isEmpty { lines += body + [""] }
        lines.append("Pat-Operation: \(operation.rawValue)")
        lines += tokens.map { "Pat-Token: \($0.rawValue)" }
        lines += extraTrailers.map { "\($0.0): \($0.1)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The trailers of a commit message: the last paragraph, when every line in it is `Key: value`.
    public static func trailers(of message: String) -> [(key: String, value: String)] {
        let paragraphs = message.trimmingSuffixNewlines().components(separatedBy: "\n\n")
        guard paragraphs.count > 1, let last = paragraphs.last else { return [] }
        var trailers: [(key: String, value: String)] = []
        for line in last.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" ") else { return [] }
            trailers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return trailers
    }

    /// How a token reads in a message: id, quoted description, expiry day, API.
    public static func summary(of token: Token) -> String {
        "\(token.id) \"\(token.description)\", expires \(CivilDate(containing: token.expires)), API \(token.api.preset) (\(token.api.methods.count) methods)"
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
