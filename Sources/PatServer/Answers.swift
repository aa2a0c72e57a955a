import HTTPTypes
import NIOHTTP1
import PatCore

/// What `pat serve` answers on its two hot routes, from the request head alone: one place for the Hummingbird
/// routes and for the event-loop fast path (`PlainGetHandler`), so that the two cannot drift apart.
enum Answers {
    /// The request's token: `Authorization: Bearer`, else the `session` query parameter of `target`.
    /// (A POST form's `session` field comes after these; only the Hummingbird route reads bodies.)
    static func token(target: String, authorization: String?) -> String? {
        TokenExtraction.bearer(authorization) ?? TokenExtraction.queryValue("session", in: target)
    }

    /// An answer in neither HTTP library's types, so that the router and the fast path (which sit on different
    /// layers of the HTTP stack) render the same thing.
    struct Answer {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String?

        var fields: HTTPFields {
            var fields = HTTPFields()
            for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            return fields
        }
    }

    /// The platform's own answer: HTTP 200 with `{"result":0}` or `{"result":N,"error":"..."}`.
    static func platform(_ decision: Decision) -> Answer {
        Answer(status: 200, headers: [("Content-Type", "application/json")], body: decision.platformJSON)
    }

    /// For nginx `auth_request`: 200 lets the call through; 401 (who are you?) or 403 (you may not) carry the
    /// platform's answer in headers; 503 when there is no verified store to decide from.
    static func gateway(_ decision: Decision) -> Answer {
        var headers: [(name: String, value: String)] = [
            ("X-Pat-Result", String(decision.result.rawValue)),
            ("X-Pat-Response", TokenExtraction.headerSafe(decision.platformJSON)),
        ]
        if let permission = decision.permission { headers.append(("X-Pat-Permission", permission)) }
        if decision.isAllowed {
            if let id = decision.tokenID { headers.append(("X-Pat-Token-Id", id.rawValue)) }
            return Answer(status: 200, headers: headers, body: nil)
        }
        headers.append(("X-Pat-Error", TokenExtraction.headerSafe(decision.error ?? "")))
        let status = decision.result == .storeUnavailable ? 503 : decision.result.isAuthenticationFailure ? 401 : 403
        return Answer(status: status, headers: headers, body: nil)
    }

    /// `200 OK`: the status line's code and reason phrase, as NIO's encoder writes them for the router. The
    /// statuses the hot routes give are made once, not per response.
    static func statusLine(_ status: Int) -> String {
        commonStatusLines[status] ?? makeStatusLine(status)
    }

    private static let commonStatusLines = Dictionary(uniqueKeysWithValues: [200, 401, 403, 503].map { ($0, makeStatusLine($0)) })

    private static func makeStatusLine(_ status: Int) -> String {
        "\(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
    }

    /// `/1.0/<group>/<service>/rest/<method>` with five non-empty segments (any query after `?`): the shape the
    /// router's platform route matches.
    /// `/auth`, with or without a query.
    static func isGatewayTarget(_ target: String) -> Bool {
        target.utf8.prefix { $0 != UInt8(ascii: "?") }.elementsEqual("/auth".utf8)
    }
}
