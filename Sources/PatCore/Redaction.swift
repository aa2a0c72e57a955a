/// Error texts echo what a user or a client gave (a method name, an id, a path). A token value given in the
/// wrong place must not be echoed with them: into a terminal's scrollback, a CI log or an HTTP header.
public enum Redaction {
    /// What stands in an error text where a token value was.
    public static let placeholder = "<a token value, not shown>"

    /// Shorter runs after the separator are not taken for a token: method names and paths rarely have them, and
    /// a value cut this short has lost most of its secret.
    public static let minimumBody = 24

    /// Whether `text` holds anything token-shaped: 1 or more base62 characters (a prefix), `_`, then at least
    /// `minimumBody` base62 characters; or a run of base62 characters as long as a value's body (49). The checksum
    /// is not checked: a mistyped or cut value is still a secret.
    public static func containsTokenShape(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { !tokenRanges($0).isEmpty }
    }

    /// `text` with each token-shaped run replaced by `placeholder` (and the quotes around it, when it was quoted
    /// exactly); `text` itself when there is none, the usual case.
    public static func redactingTokens(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let ranges = bytes.withUnsafeBufferPointer(tokenRanges)
        guard !ranges.isEmpty else { return text }
        var out: [UInt8] = []
        var position = 0
        for range in ranges {
            var start = range.lowerBound, end = range.upperBound
            if start > position, end < bytes.count, bytes[start - 1] == bytes[end],
               bytes[end] == UInt8(ascii: "'") || bytes[end] == UInt8(ascii: "\"") {
                start -= 1
                end += 1
            }
            out += bytes[position..<start]
            out += Array(placeholder.utf8)
            position = end
        }
        out += bytes[position...]
        return String(decoding: out, as: UTF8.self)
    }

    /// The byte ranges of token-shaped runs: from the start of the prefix's run of base62 characters to the end of
    /// the body's (runs joined by further underscores, `a_pat_...`, are one range), and any run of base62 characters
    /// as long as a value's body (a value pasted without its prefix).
    static func tokenRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        func isBase62(_ byte: UInt8) -> Bool {
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        let underscore = UInt8(ascii: "_")
        var ranges: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard isBase62(bytes[index]) else { index += 1; continue }
            let runStart = index
            while index < bytes.count, isBase62(bytes[index]) { index += 1 }
            let length = index - runStart
            let prefixed = runStart >= 2 && bytes[runStart - 1] == underscore && isBase62(bytes[runStart - 2])
            guard length >= TokenSecret.randomLength + TokenSecret.checksumLength || (prefixed && length >= minimumBody) else { continue }
            var start = runStart
            if prefixed {
                start -= 1
                while start > 0, isBase62(bytes[start - 1]) || bytes[start - 1] == underscore { start -= 1 }
            }
            if let last = ranges.last, last.upperBound >= start {
                ranges[ranges.count - 1] = last.lowerBound..<index
            } else {
                ranges.append(start..<index)
            }
        }
        return ranges
    }
}
