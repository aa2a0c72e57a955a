import Foundation
import PatCore
import PatGit

/// The settings a user gives for a token; nil or empty means "not given".
public struct TokenSettingsRequest: Sendable {
    public var description: String?
    public var expires: String?
    public var preset: String?
    public var methods: [String]

    public init(description: String? = nil, expires: String? = nil, preset: String? = nil, methods: [String] = []) {
        self.description = description
        self.expires = expires
        self.preset = preset
        self.methods = methods
    }

    var changesAPI: Bool { preset != nil || !methods.isEmpty }
}

/// The dashboard's buttons as pure plans over one view of the store: no I/O besides reading that view.
public enum TokenOperations {
    public static func generate(_ request: TokenSettingsRequest, in view: StoreView, now: Date,
                                catalog: MethodCatalog) throws -> PlannedChange {
        var problems: [TokenValidationError.Problem] = []
        let description = request.description ?? ""
        problems += DescriptionRules.problems(description)
        let expires = collect(expiry(request.expires ?? "", view: view, now: now), into: &problems)
        let api = collect(grant(request, view: view, catalog: catalog, required: true), into: &problems)
        guard problems.isEmpty, let expires, let api = api ?? nil else { throw TokenValidationError(problems: problems) }

        let secret = TokenSecret.generate(prefix: view.settings.tokenPrefix)
        let token = Token(id: try newID(in: view), description: description, hash: TokenHash(digest: secret.digest),
                          created: now, expires: expires, api: api)
        return PlannedChange(
            files: [token.id.path: .write(Array(TokenFile.encode(token).utf8))],
            message: CommitMessage(operation: .generate, subject: "Generate token \(token.id): \(token.description)",
                                   body: ["New token \(CommitMessage.summary(of: token))."], tokens: [token.id]),
            tokens: [token], secrets: [token.id: secret])
    }

    public static func edit(_ id: TokenID, _ request: TokenSettingsRequest, in view: StoreView, now: Date,
                            catalog: MethodCatalog) throws -> PlannedChange {
        var problems: [TokenValidationError.Problem] = []
        if request.description == nil && request.expires == nil && !request.changesAPI { problems.append(.nothingToChange) }
        if let description = request.description { problems += DescriptionRules.problems(description) }
        let expires = request.expires.flatMap { collect(expiry($0, view: view, now: now), into: &problems) }
        let api = collect(grant(request, view: view, catalog: catalog, required: false), into: &problems) ?? nil
        guard problems.isEmpty else { throw TokenValidationError(problems: problems) }

        let before = try view.requireToken(id)
        var token = before
        token.description = request.description ?? token.description
        token.expires = expires ?? token.expires
        token.api = api ?? token.api
        var changes: [String] = []
        if token.description != before.description { changes.append("description \"\(before.description)\" -> \"\(token.description)\"") }
        if token.expires != before.expires {
            changes.append("expires \(CivilDate(containing: before.expires)) -> \(CivilDate(containing: token.expires))")
        }
        if token.api != before.api { changes.append(apiChange(from: before.api, to: token.api)) }
        if changes.isEmpty { throw TokenValidationError(.nothingToChange) }
        return PlannedChange(
            files: [id.path: .write(Array(TokenFile.encode(token).utf8))],
            message: CommitMessage(operation: .edit, subject: "Edit token \(id): \(token.description)",
                                   body: changes.map { "- " + $0 } + ["", "Now \(CommitMessage.summary(of: token))."],
                                   tokens: [id]),
            tokens: [token])
    }

    /// New values for existing tokens, same ids and settings; `expires` renews them too.
    public static func regenerate(_ ids: [TokenID], expires: String?, in view: StoreView, now: Date) throws -> PlannedChange {
        let ids = unique(ids)
        let newExpiry = try expires.map { text in try expiry(text, view: view, now: now).get() }
        var tokens = try requireAll(ids, in: view)
        var secrets: [TokenID: TokenSecret] = [:]
        var files: [String: TreeChange] = [:]
        for index in tokens.indices {
            if let newExpiry { tokens[index].expires = newExpiry }
            if tokens[index].isExpired(at: now) {
                throw StoreError.tokenExpired(tokens[index].id.rawValue, CivilDate(containing: tokens[index].expires))
            }
            let secret = TokenSecret.generate(prefix: view.settings.tokenPrefix)
            tokens[index].hash = TokenHash(digest: secret.digest)
            secrets[tokens[index].id] = secret
            files[tokens[index].id.path] = .write(Array(TokenFile.encode(tokens[index]).utf8))
        }
        let subject = tokens.count == 1
            ? "Regenerate token \(tokens[0].id): \(tokens[0].description)"
            : "Regenerate \(tokens.count) tokens"
        return PlannedChange(
            files: files,
            message: CommitMessage(operation: .regenerate, subject: subject,
                                   body: ["New values for (the old values no longer verify):"]
                                       + tokens.map { "- " + CommitMessage.summary(of: $0) },
                                   tokens: tokens.map(\.id)),
            tokens: tokens, secrets: secrets)
    }

    /// A new token with `source`'s API; description and expiry from the request or the source.
    public static func copy(_ source: TokenID, _ request: TokenSettingsRequest, in view: StoreView, now: Date) throws -> PlannedChange {
        let original = try view.requireToken(source)
        var problems: [TokenValidationError.Problem] = []
        let description = request.description ?? original.description
        problems += DescriptionRules.problems(description)
        var expires: Date?
        if let text = request.expires {
            expires = collect(expiry(text, view: view, now: now), into: &problems)
        } else if original.isExpired(at: now) {
            throw StoreError.tokenExpired(source.rawValue, CivilDate(containing: original.expires))
        } else {
            expires = original.expires
        }
        guard problems.isEmpty, let expires else { throw TokenValidationError(problems: problems) }
        let secret = TokenSecret.generate(prefix: view.settings.tokenPrefix)
        let token = Token(id: try newID(in: view), description: description, hash: TokenHash(digest: secret.digest),
                          created: now, expires: expires, api: original.api)
        return PlannedChange(
            files: [token.id.path: .write(Array(TokenFile.encode(token).utf8))],
            message: CommitMessage(operation: .copy, subject: "Copy token \(source) to \(token.id): \(token.description)",
                                   body: ["New token \(CommitMessage.summary(of: token)),",
                                          "with the API settings of \(source) \"\(original.description)\"."],
                                   tokens: [token.id], extraTrailers: [("Pat-Copied-From", source.rawValue)]),
            tokens: [token], secrets: [token.id: secret])
    }

    public enum Selection: Sendable {
        case tokens([TokenID])
        case all
    }

    public static func remove(_ selection: Selection, in view: StoreView) throws -> PlannedChange {
        let tokens: [Token]
        switch selection {
        case .tokens(let ids): tokens = try requireAll(unique(ids), in: view)
        case .all: tokens = try view.tokens().sorted { $0.id < $1.id }
        }
        guard !tokens.isEmpty else { throw StoreError.noTokens }
        var files: [String: TreeChange] = [:]
        for token in tokens { files[token.id.path] = .remove }
        if case .all = selection { files = ["tokens": .remove] }
        let subject = tokens.count == 1
            ? "Remove token \(tokens[0].id): \(tokens[0].description)"
            : "Remove \(tokens.count) tokens"
        return PlannedChange(
            files: files,
            message: CommitMessage(operation: .remove, subject: subject,
                                   body: ["Removed (these values no longer verify):"]
                                       + tokens.map { "- " + CommitMessage.summary(of: $0) },
                                   tokens: tokens.map(\.id)),
            tokens: tokens)
    }

    // MARK: Helpers

    static func expiry(_ text: String, view: StoreView, now: Date) -> Result<Date, TokenValidationError> {
        ExpiryInput.resolve(text, now: now, maxLifetimeDays: view.settings.maxLifetimeDays)
    }

    /// The API a request asks for: a preset expanded over the catalog, or named methods ("Custom").
    static func grant(_ request: TokenSettingsRequest, view: StoreView, catalog: MethodCatalog,
                      required: Bool) -> Result<APIGrant?, TokenValidationError> {
        let preset = request.preset.flatMap { Preset.slug($0) == Preset.slug(APIGrant.custom) ? nil : $0 }
        if preset != nil && !request.methods.isEmpty { return .failure(TokenValidationError(.presetAndMethods)) }
        if let preset {
            guard let found = view.presets.preset(named: preset) else {
                return .failure(TokenValidationError(.unknownPreset(preset, known: view.presets.names + [APIGrant.custom])))
            }
            // A preset grants what it names less what the store forbids: the preset stays usable.
            let methods = found.expand(in: catalog).filter { !view.settings.forbids($0) }
            guard !methods.isEmpty else { return .failure(TokenValidationError(.noMethods)) }
            return .success(APIGrant(preset: found.name, methods: methods))
        }
        if request.methods.isEmpty {
            return required || request.preset != nil ? .failure(TokenValidationError(.noMethods)) : .success(nil)
        }
        return catalog.resolve(request.methods).flatMap { methods in
            let forbidden = methods.filter(view.settings.forbids)
            guard forbidden.isEmpty else { return .failure(TokenValidationError(.forbiddenMethods(forbidden))) }
            return .success(APIGrant(preset: APIGrant.custom, methods: methods))
        }
    }

    static func collect<T>(_ result: Result<T, TokenValidationError>, into problems: inout [TokenValidationError.Problem]) -> T? {
        switch result {
        case .success(let value): return value
        case .failure(let error):
            problems += error.problems
            return nil
        }
    }

    static func newID(in view: StoreView) throws -> TokenID {
        while true {
            let id = TokenID.generate()
            if try !view.repository.containsEntry(atPath: id.path, inTree: view.tree) { return id }
        }
    }

    static func requireAll(_ ids: [TokenID], in view: StoreView) throws -> [Token] {
        var tokens: [Token] = []
        var missing: [String] = []
        for id in ids {
            if let token = try view.token(id) { tokens.append(token) } else { missing.append(id.rawValue) }
        }
        guard missing.isEmpty else { throw StoreError.unknownToken(missing.joined(separator: ", ")) }
        return tokens
    }

    static func unique(_ ids: [TokenID]) -> [TokenID] {
        var seen = Set<TokenID>()
        return ids.filter { seen.insert($0).inserted }
    }

    static func apiChange(from before: APIGrant, to after: APIGrant) -> String {
        let added = Set(after.methods).subtracting(before.methods).count
        let removed = Set(before.methods).subtracting(after.methods).count
        return "API \(before.preset) (\(before.methods.count) methods) -> \(after.preset) (\(after.methods.count) methods, +\(added) -\(removed))"
    }
}
