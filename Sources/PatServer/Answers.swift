import HTTPTypes
import PatCore

/// What `pat serve` answers on its two hot routes, from the request head alone: one place for the Hummingbird
/// routes and for the event-loop fast path (`FastPathHandler`), so that the two cannot drift apart.
enum Answers {
    /// The request's token: `Authorization: Bearer`, else the `session` query parameter of `target`.
    /// (A POST form's `session` field comes after these; only the Hummingbird route reads bodies.)
    static func token(target: String, authorization: String?) -> String? {
        TokenExtraction.bearer(authorization) ?? TokenExtraction.queryValue("session", in: target)
    }

    /// The platform's own answer: HTTP 200 with `{"result":0}` or `{"result":N,"error":"..."}`.
    static func platform(_ decision: Decision) -> (head: HTTPResponse, body: String) {
        (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json"]), decision.platformJSON)
    }

    /// For nginx `auth_request`: 200 lets the call through; 401 (who are you?) or 403 (you may not) carry the
    /// platform's answer in headers; 503 when there is no verified store to decide from.
    static func gateway(_ decision: Decision) -> HTTPResponse {
        var headers = HTTPFields()
        headers[.xPatResult] = String(decision.result.rawValue)
        headers[.xPatResponse] = TokenExtraction.headerSafe(decision.platformJSON)
        if let permission = decision.permission { headers[.xPatPermission] = permission }
        if decision.isAllowed {
            headers[.xPatTokenID] = decision.tokenID?.rawValue
            return HTTPResponse(status: .ok, headerFields: headers)
        }
        headers[.xPatError] = TokenExtraction.headerSafe(decision.error ?? "")
        let status: HTTPResponse.Status = decision.result == .storeUnavailable ? .serviceUnavailable
            : decision.result.isAuthenticationFailure ? .unauthorized : .forbidden
        return HTTPResponse(status: status, headerFields: headers)
    }

    /// `/1.0/<group>/<service>/rest/<method>` with five non-empty segments (any query after `?`): the shape the
    /// router's platform route matches.
    static func isPlatformTarget(_ target: String) -> Bool { PlatformURL.parts(target) != nil }

    /// `/auth`, with or without a query.
    static func isGatewayTarget(_ target: String) -> Bool {
        target.utf8.prefix { $0 != UInt8(ascii: "?") }.elementsEqual("/auth".utf8)
    }
}
