import Crypto
import Foundation

/// What the verifier keeps of one token: no description, no value, just what a decision needs.
public struct GrantedToken: Sendable, Equatable {
    public let id: TokenID
    public let expires: Date
    /// Granted methods, looked up ignoring case (the URL form of a call is lower case) straight from the request's
    /// bytes. Tokens with the same list share one table.
    public let methods: MethodNameTable

    public init(id: TokenID, expires: Date, methods: [String]) {
        self.init(id: id, expires: expires, methodTable: GrantedToken.table(methods))
    }

    public init(id: TokenID, expires: Date, methodTable: MethodNameTable) {
        self.id = id
        self.expires = expires
        self.methods = methodTable
    }

    public static func table(_ methods: [String]) -> MethodNameTable { MethodNameTable(methods) }

    public init(_ token: Token) { self.init(id: token.id, expires: token.expires, methods: token.api.methods) }
}

/// The verified state of a store at one commit, as the decision function reads it.
public struct AuthorizationSnapshot: Sendable {
    public let commit: String
    public let committed: Date
    public let tokenPrefix: String
    public let tokens: TokenTable
    /// No token works past this instant, whatever its file says: the end of the day the store's maximum lifetime
    /// after the snapshot's commit. Every token pat writes expires before it (docs/verifier.md, "Lifetime cap").
    public let latestExpiry: Date

    public init(commit: String, committed: Date, tokenPrefix: String, tokens: TokenTable, latestExpiry: Date = .distantFuture) {
        self.commit = commit
        self.committed = committed
        self.tokenPrefix = tokenPrefix
        self.tokens = tokens
        self.latestExpiry = latestExpiry
    }

    /// The cap for a commit made at `committed` in a store whose tokens live at most `maxLifetimeDays`.
    public static func latestExpiry(committed: Date, maxLifetimeDays: Int) -> Date {
        CivilDate(containing: committed).adding(days: maxLifetimeDays).endOfDay
    }
}

/// The platform's `result` field: 0 for success, and one documented code per reason for refusal.
public enum ResultCode: Int, Sendable, CaseIterable {
    case ok = 0
    case missingToken = 8200
    case malformedToken = 8201
    /// The platform's own code for a session without the permission a method needs.
    case permissionDenied = 8202
    case unknownToken = 8203
    case expiredToken = 8204
    case invalidMethod = 8205
    case storeUnavailable = 8206
    /// The request itself could not be read (e.g. a body that is not the expected JSON).
    case badRequest = 8207

    /// Whether a gateway should answer 401 (who are you?) rather than 403 (you may not).
    public var isAuthenticationFailure: Bool {
        [.missingToken, .malformedToken, .unknownToken, .expiredToken].contains(self)
    }
}

public struct Decision: Sendable, Equatable {
    /// Why a call was refused, with what the message needs; the text itself is made only when asked for.
    public enum Reason: Sendable, Equatable {
        case none
        case storeUnavailable
        case stale(commit: String)
        case missingToken
        case malformedToken(TokenFormatError)
        case invalidMethod(String)
        case unknownToken
        case expired(Date)
        case notGranted
    }

    public let result: ResultCode
    public let tokenID: TokenID?
    /// The permission the call needs, canonical when the catalog knows it.
    public let permission: String?
    public let reason: Reason

    public var isAllowed: Bool { result == .ok }

    /// The platform's `error` text; nil when allowed. Never contains the presented token, nor anything token-shaped
    /// given as the method.
    public var error: String? {
        switch reason {
        case .none: nil
        case .storeUnavailable: "the token store is not available: no verified snapshot"
        case .stale(let commit): "the verified store is stale: commit \(commit.prefix(10)) is older than the maximum age"
        case .missingToken: "no token: pass it as the session parameter or an Authorization: Bearer header"
        case .malformedToken(let error): "malformed token: \(error.message)"
        case .invalidMethod(let method):
            Redaction.containsTokenShape(method)
                ? "\(Redaction.placeholder) is not an API method (group.Service.Method)"
                : "'\(method.prefix(200))' is not an API method (group.Service.Method)"
        case .unknownToken: "unknown token: never issued, removed, or replaced by regenerate"
        case .expired(let date): "token \(tokenID?.rawValue ?? "") expired at \(Timestamp.format(date))"
        case .notGranted: "permission denied: token \(tokenID?.rawValue ?? "") does not grant \(permission ?? "")"
        }
    }

    /// The platform's answer: `{"result":0}` or `{"result":N,"error":"..."}`.
    public var platformJSON: String {
        guard let error else { return "{\"result\":\(result.rawValue)}" }
        return "{\"result\":\(result.rawValue),\"error\":\(JSONText.quote(error))}"
    }

    static func deny(_ result: ResultCode, _ reason: Reason, token: TokenID? = nil, permission: String? = nil) -> Decision {
        Decision(result: result, tokenID: token, permission: permission, reason: reason)
    }
}

/// The one function that decides. Pure: the same snapshot, token, method and time give the same answer.
/// No error text contains the presented token.
public enum Authorizer {
    /// `maxAge`: refuse to decide from a snapshot whose commit is older than this (anti-freeze).
    public static func decide(_ snapshot: AuthorizationSnapshot?, token presented: String?, method: String,
                              at now: Date, catalog: MethodCatalog? = nil, maxAge: TimeInterval? = nil) -> Decision {
        guard let snapshot else {
            return .deny(.storeUnavailable, .storeUnavailable)
        }
        if let maxAge, now.timeIntervalSince(snapshot.committed) > maxAge {
            return .deny(.storeUnavailable, .stale(commit: snapshot.commit))
        }
        guard let presented, !presented.isEmpty else { return .deny(.missingToken, .missingToken) }
        // Shape and checksum first: junk never reaches the hash or the table.
        let secret: TokenSecret
        switch TokenSecret.parse(presented, expectedPrefix: snapshot.tokenPrefix) {
        case .success(let parsed): secret = parsed
        case .failure(let error): return .deny(.malformedToken, .malformedToken(error))
        }
        // A well-formed name is looked up as given, ignoring case, without allocating; the `env.` alias and
        // anything else is normalised first (and refused when it is no method name at all).
        guard let key = MethodKey(method) ?? MethodPermission.normalised(method).flatMap(MethodKey.init) else {
            return .deny(.invalidMethod, .invalidMethod(method))
        }
        // Dictionary lookup by digest; Digest's == is constant-time.
        guard let granted = snapshot.tokens[secret.digest] else { return .deny(.unknownToken, .unknownToken) }
        let expires = min(granted.expires, snapshot.latestExpiry)
        guard now < expires else { return .deny(.expiredToken, .expired(expires), token: granted.id) }
        if let canonical = granted.methods.canonical(key) {
            return Decision(result: .ok, tokenID: granted.id, permission: canonical, reason: .none)
        }
        // The refusal names the permission canonically when the catalog knows it.
        let name = catalog?.canonicalName(key) ?? MethodCatalog.expandAlias(method)
        // A method name can hold a token value (`a.b.pat_...`); the refusal and its headers never echo one.
        return .deny(.permissionDenied, .notGranted, token: granted.id,
                     permission: Redaction.containsTokenShape(name) ? Redaction.placeholder : name)
    }
}

/// A method as a request names it: `group.Service.Method` in any case, `env.` for `environment.`.
public struct MethodPermission: Sendable, Equatable {
    /// Canonical when the catalog knows the method, else as given (with the alias expanded).
    public let name: String

    /// Lower case with the alias expanded.
    public var key: String { name.lowercased() }

    /// Runs for every HTTP request: a name in the usual shape is looked up in the catalog as given, without
    /// lower-casing it first; only the `env.` alias is normalised.
    public init?(_ text: String, catalog: MethodCatalog? = nil) {
        if let key = MethodKey(text) {
            name = catalog?.canonicalName(key) ?? text
            return
        }
        guard let normalised = Self.normalised(text), let key = MethodKey(normalised) else { return nil }
        name = catalog?.canonicalName(key) ?? MethodCatalog.expandAlias(text)
    }

    /// Lower case with the alias expanded, or nil unless it is three non-empty [A-Za-z0-9_] parts (the shape
    /// `MethodKey` checks). Decisions take this path only for the `env.` alias; other names are looked up as given.
    static func normalised(_ text: String) -> String? {
        let expanded = MethodCatalog.expandAlias(text)
        return MethodKey(expanded) == nil ? nil : expanded.lowercased()
    }

    /// From the platform's URL form `/1.0/<group>/<service>/rest/<method>` (query string ignored): the method
    /// `group.service.method` in the URL's (lower) case, which the catalog lookup ignores.
    public init?(urlPath: String, catalog: MethodCatalog? = nil) {
        guard let parts = PlatformURL.parts(urlPath) else { return nil }
        self.init(platform: parts, catalog: catalog)
    }

    /// From a platform URL already split into its parts.
    public init?(platform parts: PlatformURL.Parts, catalog: MethodCatalog? = nil) {
        var name = String(parts.group)
        name.append(".")
        name.append(contentsOf: parts.service)
        name.append(".")
        name.append(contentsOf: parts.method)
        self.init(name, catalog: catalog)
    }
}
