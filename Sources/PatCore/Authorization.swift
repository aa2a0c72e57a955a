import Crypto
import Foundation

/// What the verifier keeps of one token: no description, no value, just what a decision needs.
public struct GrantedToken: Sendable, Equatable {
    public let id: TokenID
    public let expires: Date
    /// Canonical method names in lower case: the URL form of a call is lower case, so lookups are too.
    public let methods: Set<String>

    public init(id: TokenID, expires: Date, methods: [String]) {
        self.init(id: id, expires: expires, methodSet: Set(methods.map { $0.lowercased() }))
    }

    /// `methodSet` must already be lower case; tokens with the same list share one set.
    public init(id: TokenID, expires: Date, methodSet: Set<String>) {
        self.id = id
        self.expires = expires
        self.methods = methodSet
    }

    public init(_ token: Token) { self.init(id: token.id, expires: token.expires, methods: token.api.methods) }
}

/// The verified state of a store at one commit, as the decision function reads it.
public struct AuthorizationSnapshot: Sendable {
    public let commit: String
    public let committed: Date
    public let tokenPrefix: String
    public let tokens: [SHA256.Digest: GrantedToken]

    public init(commit: String, committed: Date, tokenPrefix: String, tokens: [SHA256.Digest: GrantedToken]) {
        self.commit = commit
        self.committed = committed
        self.tokenPrefix = tokenPrefix
        self.tokens = tokens
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
    public let result: ResultCode
    public let tokenID: TokenID?
    /// The permission the call needs, canonical when the catalog knows it.
    public let permission: String?
    public let error: String?

    public var isAllowed: Bool { result == .ok }

    /// The platform's answer: `{"result":0}` or `{"result":N,"error":"..."}`.
    public var platformJSON: String {
        var members: [(String, JSONText)] = [("result", .int(result.rawValue))]
        if let error { members.append(("error", .string(error))) }
        return JSONText.object(members).compact()
    }

    static func deny(_ result: ResultCode, _ error: String, token: TokenID? = nil, permission: String? = nil) -> Decision {
        Decision(result: result, tokenID: token, permission: permission, error: error)
    }
}

/// The one function that decides. Pure: the same snapshot, token, method and time give the same answer.
/// No error text contains the presented token.
public enum Authorizer {
    /// `maxAge`: refuse to decide from a snapshot whose commit is older than this (anti-freeze).
    public static func decide(_ snapshot: AuthorizationSnapshot?, token presented: String?, method: String,
                              at now: Date, catalog: MethodCatalog? = nil, maxAge: TimeInterval? = nil) -> Decision {
        guard let snapshot else {
            return .deny(.storeUnavailable, "the token store is not available: no verified snapshot")
        }
        if let maxAge, now.timeIntervalSince(snapshot.committed) > maxAge {
            return .deny(.storeUnavailable, "the verified store is stale: commit \(snapshot.commit.prefix(10)) is older than the maximum age")
        }
        guard let presented, !presented.isEmpty else {
            return .deny(.missingToken, "no token: pass it as the session parameter or an Authorization: Bearer header")
        }
        // Shape and checksum first: junk never reaches the hash or the table.
        let secret: TokenSecret
        switch TokenSecret.parse(presented, expectedPrefix: snapshot.tokenPrefix) {
        case .success(let parsed): secret = parsed
        case .failure(let error): return .deny(.malformedToken, "malformed token: \(error.message)")
        }
        guard let permission = MethodPermission(method, catalog: catalog) else {
            return .deny(.invalidMethod, "'\(method.prefix(200))' is not an API method (group.Service.Method)")
        }
        // Dictionary lookup by digest; Digest's == is constant-time.
        guard let granted = snapshot.tokens[secret.digest] else {
            return .deny(.unknownToken, "unknown token: never issued, removed, or replaced by regenerate")
        }
        guard now < granted.expires else {
            return .deny(.expiredToken, "token \(granted.id) expired at \(Timestamp.format(granted.expires))", token: granted.id)
        }
        guard granted.methods.contains(permission.key) else {
            return .deny(.permissionDenied, "permission denied: token \(granted.id) does not grant \(permission.name)",
                         token: granted.id, permission: permission.name)
        }
        return Decision(result: .ok, tokenID: granted.id, permission: permission.name, error: nil)
    }
}

/// A method as a request names it: `group.Service.Method` in any case, `env.` for `environment.`.
public struct MethodPermission: Sendable, Equatable {
    /// Lower case, the form granted sets are looked up by.
    public let key: String
    /// Canonical when the catalog knows the method, else as given.
    public let name: String

    public init?(_ text: String, catalog: MethodCatalog? = nil) {
        let expanded = MethodCatalog.expandAlias(text)
        let parts = expanded.split(separator: ".", omittingEmptySubsequences: false)
        guard expanded.utf8.count <= 200, parts.count == 3,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { byte in
                  (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 } })
        else { return nil }
        key = expanded.lowercased()
        name = catalog?.method(named: expanded)?.name ?? expanded
    }

    /// From the platform's URL form `/1.0/<group>/<service>/rest/<method>` (query string ignored).
    public init?(urlPath: String, catalog: MethodCatalog? = nil) {
        let path = urlPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "1.0", parts[4] == "rest" else { return nil }
        if let method = catalog?.method(atURLPath: path) {
            self.init(method.name, catalog: catalog)
        } else {
            self.init("\(parts[2]).\(parts[3]).\(parts[5])", catalog: catalog)
        }
    }
}
