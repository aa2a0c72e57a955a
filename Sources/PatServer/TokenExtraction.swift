import Foundation

/// Where a client may put its token: `Authorization: Bearer`, the `session` query parameter, or a
/// form-encoded `session` field in a POST body, in that order.
enum TokenExtraction {
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    /// The value of `name` in the query of `target` (a request target such as `/path?a=1&b=2`), decoded as a form
    /// value.
    static func queryValue(_ name: String, in target: String) -> String? {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return formValue(name, in: target[target.utf8.index(after: question)...])
    }

    /// The value of `name` in `a=1&b=2` (form encoding: `+` is a space, `%XX` an escape). Runs on every request:
    /// it scans the bytes and decodes only what holds `%` or `+`.
    static func formValue(_ name: String, in text: Substring) -> String? {
        var rest = text
        while !rest.isEmpty {
            let ampersand = rest.utf8.firstIndex(of: UInt8(ascii: "&")) ?? rest.endIndex
            let pair = rest[..<ampersand]
            if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")), decoded(pair[..<equals]) == name {
                return decoded(pair[pair.utf8.index(after: equals)...])
            }
            rest = ampersand == rest.endIndex ? rest[rest.endIndex...] : rest[rest.utf8.index(after: ampersand)...]
        }
        return nil
    }

    /// A form-encoded part, decoded only when it needs to be.
    private static func decoded(_ text: Substring) -> String? {
        text.utf8.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") } ? decode(text) : String(text)
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Printable ASCII only, safe as a header value. JSON stays JSON: its escapes are printable ASCII.
    static func headerSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? $0 : "?" }))
    }
}
