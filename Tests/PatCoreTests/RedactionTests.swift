import PatCore
import Testing

@Suite struct RedactionTests {
    static let token = TokenSecret.generate(prefix: "pat").value
    static let body = String(token.dropFirst(4))

    static let cases: [(String, String)] = [
        ("unknown API method '\(token)'; did you mean a.b.C?", "unknown API method <a token value, not shown>; did you mean a.b.C?"),
        ("'\(token)' is not a token id", "<a token value, not shown> is not a token id"),
        ("no store at /tmp/\(token): create one", "no store at /tmp/<a token value, not shown>: create one"),
        ("Error: Unexpected argument \"\(token)\"", "Error: Unexpected argument <a token value, not shown>"),
        // A mistyped, cut or foreign-prefixed value is still a secret; so is one inside a method name.
        ("'pat_\(body.prefix(30))'", "<a token value, not shown>"),
        ("environment.control.\(token)", "environment.control.<a token value, not shown>"),
        ("x_y_\(token) and acme_\(body)", "<a token value, not shown> and <a token value, not shown>"),
        ("'\(token)\"", "'<a token value, not shown>\""),
        // What is not token-shaped stays as it was.
        ("unknown API method 'environment.Control.StopEnvx'", "unknown API method 'environment.Control.StopEnvx'"),
        ("a.b.GetExtendedAccountBillingHistoryByPeriod", "a.b.GetExtendedAccountBillingHistoryByPeriod"),
        ("/tmp/my_project/store_2026", "/tmp/my_project/store_2026"),
        ("a value pasted without its prefix: \(body)", "a value pasted without its prefix: <a token value, not shown>"),
        ("_\(body)", "_<a token value, not shown>"),
        ("pat_\(body.prefix(23))", "pat_\(body.prefix(23))"),
        ("commit \(String(repeating: "0123456789abcdef", count: 3).prefix(40)) and 48 \(String(repeating: "x", count: 48))",
         "commit \(String(repeating: "0123456789abcdef", count: 3).prefix(40)) and 48 \(String(repeating: "x", count: 48))"),
        ("", ""),
    ]

    @Test(arguments: cases)
    func tokenShapedTextIsReplaced(text: String, redacted: String) {
        #expect(Redaction.redactingTokens(text) == redacted)
        #expect(Redaction.containsTokenShape(text) == (text != redacted))
    }
}
