/// Text from a store or a user, made safe to print on a terminal: characters that would reorder, hide or
/// rewrite what is shown are written as `\u{XXXX}` instead.
public enum DisplayText {
    /// Unicode's explicit bidirectional formatting characters: embeddings and overrides (U+202A-U+202E),
    /// isolates (U+2066-U+2069), and the marks U+200E, U+200F and U+061C. One of them makes the rest of a line
    /// display reversed or reordered ("Trojan Source").
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }

    /// Control characters (escapes, newlines, C1), bidirectional controls and the line and paragraph separators.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        isBidiControl(scalar) || scalar.properties.generalCategory == .control
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// `text` unchanged when it has nothing to escape (the usual case), else with each such character as
    /// `\u{202E}`.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
