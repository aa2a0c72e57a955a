import Crypto
import Foundation

/// What the verifier keeps of one token: no description, no value, just what a decision needs.
public struct GrantedToken: Sendable, Equatable {
    public let id: TokenID
    public let expires: Date
    /// When its file says it was created: the newest of these bounds the lifetime cap from below.
    public let created: Date
    /// Granted methods, looked up ignoring case (the URL form of a call is lower case) straight from the request's
    /// bytes. Tokens with the same list share one table.
    public let methods: MethodNameTable

    public init(id: TokenID, expires: Date, created: Date = .distantPast, methods: [String]) {
        self.init(id: id, expires: expires, created: created, methodTable: GrantedToken.table(methods))
    }

    public init(id: TokenID, expires: Date, created: Date = .distantPast, methodTable: MethodNameTable) {
        self.id = id
        self.expires = expires
        self.created = created
        self.methods = methodTable
    }

    public static func table(_ methods: [String]) -> MethodNameTable { MethodNameTable(methods) }

    public init(_ token: Token) {
        self.init(id: token.id, expires: token.expires, created: token.created, methods: token.api.methods)
    }
}

/// The verified state of a store at one commit, as the decision function reads it.
public struct AuthorizationSnapshot: Sendable {
    public let commit: String
    public let committed: Date
    public let tokenPrefix: String
    public let tokens: TokenTable
    /// No token works past this instant, whatever its file says: the end of the day the store's maximum lifetime
    /// after the later of the snapshot's commit and the newest token's creation. Every token pat writes expires
    /// before it (docs/verifier.md, "Lifetime cap").
    public let latestExpiry: Date
    /// Hashes that two or more token files hold: not in `tokens`, every one of those files is denied.
    public let sharedHashes: Set<SHA256.Digest>

    public init(commit: String, committed: Date, tokenPrefix: String, tokens: TokenTable, latestExpiry: Date = .distantFuture,
                sharedHashes: Set<SHA256.Digest> = []) {
        self.commit = commit
        self.committed = committed
        self.tokenPrefix = tokenPrefix
        self.tokens = tokens
        self.latestExpiry = latestExpiry
        self.sharedHashes = sharedHashes
    }

    /// The cap for a store whose tokens live at most `maxLifetimeDays`, counted from `since`: the later of the
    /// commit's date and the newest token's creation. Both are dates a signer's clock chose; taking the later means
    /// one commit dated in the past (a machine whose clock was reset) cannot expire every token at once.
    public static func latestExpiry(since: Date, maxLifetimeDays: Int) -> Date {
        CivilDate(containing: since).adding(days: maxLifetimeDays).endOfDay
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
        /// The value's hash is in several token files, and so denied for all of them.
        case sharedHash
        case expired(Date)
        /// The token's file says it expires later, but the store's maximum lifetime ends it at `cap`.
        case lifetimeReached(cap: Date, fileSays: Date)
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
        case .sharedHash: "token denied: several token files in the store hold its hash, and a hash that is shared is denied for all of them"
        case .expired(let date): "token \(tokenID?.rawValue ?? "") expired at \(Timestamp.format(date))"
        case .lifetimeReached(let cap, let fileSays):
            "token \(tokenID?.rawValue ?? "") reached the store's maximum lifetime at \(Timestamp.format(cap)) (its file says it expires \(Timestamp.format(fileSays)))"
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
        guard let granted = snapshot.tokens[secret.digest] else {
            return .deny(.unknownToken, snapshot.sharedHashes.contains(secret.digest) ? .sharedHash : .unknownToken)
        }
        guard now < granted.expires else { return .deny(.expiredToken, .expired(granted.expires), token: granted.id) }
        guard now < snapshot.latestExpiry else {
            return .deny(.expiredToken, .lifetimeReached(cap: snapshot.latestExpiry, fileSays: granted.expires), token: granted.id)
        }
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
