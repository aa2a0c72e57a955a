import PatCore
import Testing

@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("plain text, unchanged", "plain text, unchanged"),
        ("Grüße 日本 🙂", "Grüße 日本 🙂"),
        ("a\u{202E}b", "a\\u{202E}b"),
        ("\u{202A}\u{202B}\u{202C}\u{202D}", "\\u{202A}\\u{202B}\\u{202C}\\u{202D}"),
        ("\u{2066}x\u{2069}\u{2067}\u{2068}", "\\u{2066}x\\u{2069}\\u{2067}\\u{2068}"),
        ("\u{200E}\u{200F}\u{061C}", "\\u{200E}\\u{200F}\\u{061C}"),
        ("esc\u{1B}[2J bell\u{07} nl\n del\u{7F} c1\u{9B}", "esc\\u{001B}[2J bell\\u{0007} nl\\u{000A} del\\u{007F} c1\\u{009B}"),
        ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
    ])
    func terminalControlsAreEscaped(text: String, shown: String) {
        #expect(DisplayText.escaped(text) == shown)
    }

    @Test func onlyTheListedBidiControlsCount() {
        let listed: [UInt32] = Array(0x202A...0x202E) + Array(0x2066...0x2069) + [0x200E, 0x200F, 0x061C]
        for value in listed { #expect(DisplayText.isBidiControl(Unicode.Scalar(value)!)) }
        for value: UInt32 in [0x200B, 0x200D, 0x2029, 0x41, 0x05D0] { #expect(!DisplayText.isBidiControl(Unicode.Scalar(value)!)) }
    }
}
