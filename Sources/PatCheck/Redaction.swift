/// Makes text safe to print: every secret the scanner recognises is replaced by its redacted display.
///
/// The renderers pass every string that came from a store or a commit (descriptions, principals, paths, settings,
/// messages) through it, so that a secret pasted into a token's description shows up in a report as `ghp_…9f2K`
/// and never in full, whatever the code that built the report put into it.
public enum Redaction {
    public static func redact(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            let matches = SecretScanner().scan(buffer: bytes)
            if matches.isEmpty { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var position = 0
            for match in matches {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<match.range.lowerBound]))
                out.append(contentsOf: match.redacted.utf8)
                position = match.range.upperBound
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...]))
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// One printable line: redacted, then line breaks, tabs and other control characters (and the Unicode
    /// direction overrides that make text read differently from what it is) written as visible escapes, so that no
    /// value can start a line of its own in a log (where `::` would be a workflow command) or hide text.
    public static func line(_ text: String) -> String {
        let redacted = redact(text)
        guard redacted.unicodeScalars.contains(where: needsEscape) else { return redacted }
        var out = String.UnicodeScalarView()
        for scalar in redacted.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String = switch scalar {
            case "\n": "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            default: "\\u{" + String(scalar.value, radix: 16) + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F, 0x80..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
        default: false
        }
    }
}
