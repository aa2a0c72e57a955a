import Foundation

/// A store file that cannot be read, naming the file and what is wrong with it.
public struct StoreFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "store file \(path) is damaged: \(reason)" }
}

/// Reading pat's JSON files strictly: wrong types, missing fields and unknown format versions are errors.
struct JSONFields {
    let path: String
    let object: [String: JSONValue]

    init(path: String, data: some Collection<UInt8>) throws(StoreFileError) {
        self.path = path
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(data)
        } catch {
            throw StoreFileError(path: path, reason: "not valid JSON")
        }
        guard let object = parsed.objectValue else {
            throw StoreFileError(path: path, reason: "expected a JSON object")
        }
        self.object = object
    }

    init(path: String, object: [String: JSONValue]) {
        self.path = path
        self.object = object
    }

    func fail(_ reason: String) -> StoreFileError { StoreFileError(path: path, reason: reason) }

    func string(_ key: String) throws(StoreFileError) -> String {
        guard case .string(let value)? = object[key] else { throw fail("field '\(key)' is missing or not a string") }
        return value
    }

    func int(_ key: String) throws(StoreFileError) -> Int {
        guard case .int(let value)? = object[key] else { throw fail("field '\(key)' is missing or not an integer") }
        return value
    }

    func strings(_ key: String) throws(StoreFileError) -> [String] {
        guard case .array(let items)? = object[key] else { throw fail("field '\(key)' is missing or not a list of strings") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else { throw fail("field '\(key)' is missing or not a list of strings") }
            out.append(text)
        }
        return out
    }

    func date(_ key: String) throws(StoreFileError) -> Date {
        let text = try string(key)
        guard let date = Timestamp.parse(text) else { throw fail("field '\(key)' is not a UTC time like 2026-01-31T23:59:59Z") }
        return date
    }

    func object(_ key: String) throws(StoreFileError) -> JSONFields {
        guard case .object(let value)? = object[key] else { throw fail("field '\(key)' is missing or not an object") }
        return JSONFields(path: path, object: value)
    }

    func objects(_ key: String) throws(StoreFileError) -> [JSONFields] {
        guard case .array(let items)? = object[key] else { throw fail("field '\(key)' is missing or not a list of objects") }
        var out: [JSONFields] = []
        for item in items {
            guard case .object(let value) = item else { throw fail("field '\(key)' is missing or not a list of objects") }
            out.append(JSONFields(path: path, object: value))
        }
        return out
    }

    func format(_ supported: Int) throws(StoreFileError) {
        let version = try int("format")
        guard version == supported else { throw fail("format version \(version) is not supported (this pat reads \(supported))") }
    }
}

public enum TokenFile {
    public static func encode(_ token: Token) -> String {
        JSONText.object([
            ("format", .int(Token.formatVersion)),
            ("id", .string(token.id.rawValue)),
            ("description", .string(token.description)),
            ("hash", .string(token.hash.description)),
            ("created", .string(Timestamp.format(token.created))),
            ("expires", .string(Timestamp.format(token.expires))),
            ("api", .object([
                ("preset", .string(token.api.preset)),
                ("methods", .array(token.api.methods.map(JSONText.string))),
            ])),
        ]).rendered()
    }

    /// The format, id and hash every reader of a token file checks: the id must match the file's path.
    static func identity(_ fields: JSONFields, path: String) throws(StoreFileError) -> (TokenID, TokenHash) {
        try fields.format(Token.formatVersion)
        let idText = try fields.string("id")
        guard let id = TokenID(idText) else { throw fields.fail("field 'id' is not a token id") }
        guard path == id.path else { throw fields.fail("it holds token \(idText), which belongs at \(id.path)") }
        guard let hash = TokenHash(try fields.string("hash")) else {
            throw fields.fail("field 'hash' is not sha256:<64 lower-case hex digits>")
        }
        return (id, hash)
    }

    /// Parses a token file found at `path`; the id must match the path so a file cannot pose as another token.
    public static func decode(_ data: some Collection<UInt8>, path: String) throws(StoreFileError) -> Token {
        let fields = try JSONFields(path: path, data: data)
        let (id, hash) = try identity(fields, path: path)
        let api = try fields.object("api")
        return Token(
            id: id,
            description: try fields.string("description"),
            hash: hash,
            created: try fields.date("created"),
            expires: try fields.date("expires"),
            api: APIGrant(preset: try api.string("preset"), methods: try api.strings("methods"))
        )
    }
}

/// How merge commits on the main line may be signed (docs/pull-requests.md).
public enum MergePolicy: String, Sendable, CaseIterable {
    /// Every main-line commit is signed by a trusted key.
    case signed
    /// A merge commit may also be unsigned or forge-signed when its tree is exactly the clean merge of its parents.
    case verifiedClean = "verified-clean"
}

/// The store's own settings, in `pat.json` at the root of the store's tree. The policy keys (`merges`,
/// `requiredApprovals`, `forbiddenMethods`) are optional: absent means the default, and pat writes them only when
/// they differ from it, so a store made before them reads and diffs as it did.
public struct StoreSettings: Equatable, Sendable {
    public static let path = "pat.json"
    public static let formatVersion = 1
    public static let defaultMaxLifetimeDays = 366
    public static let maximumRequiredApprovals = 10

    public var tokenPrefix: String
    public var maxLifetimeDays: Int
    public var defaultAuthorName: String
    public var defaultAuthorEmail: String
    public var merges: MergePolicy
    public var requiredApprovals: Int
    /// Method names, or `group.Service.*` / `group.*` patterns, that no token may be granted.
    public var forbiddenMethods: [String]

    public init(tokenPrefix: String = "pat", maxLifetimeDays: Int = defaultMaxLifetimeDays,
                defaultAuthorName: String, defaultAuthorEmail: String, merges: MergePolicy = .signed,
                requiredApprovals: Int = 1, forbiddenMethods: [String] = []) {
        self.tokenPrefix = tokenPrefix
        self.maxLifetimeDays = maxLifetimeDays
        self.defaultAuthorName = defaultAuthorName
        self.defaultAuthorEmail = defaultAuthorEmail
        self.merges = merges
        self.requiredApprovals = requiredApprovals
        self.forbiddenMethods = forbiddenMethods
    }

    public func encoded() -> String {
        var members: [(String, JSONText)] = [
            ("format", .int(StoreSettings.formatVersion)),
            ("tokenPrefix", .string(tokenPrefix)),
            ("maxLifetimeDays", .int(maxLifetimeDays)),
            ("defaultAuthor", .object([("name", .string(defaultAuthorName)), ("email", .string(defaultAuthorEmail))])),
        ]
        if merges != .signed { members.append(("merges", .string(merges.rawValue))) }
        if requiredApprovals != 1 { members.append(("requiredApprovals", .int(requiredApprovals))) }
        if !forbiddenMethods.isEmpty { members.append(("forbiddenMethods", .array(forbiddenMethods.map(JSONText.string)))) }
        return JSONText.object(members).rendered()
    }

    public static func decode(_ data: some Collection<UInt8>) throws(StoreFileError) -> StoreSettings {
        let fields = try JSONFields(path: path, data: data)
        try fields.format(formatVersion)
        let author = try fields.object("defaultAuthor")
        var settings = StoreSettings(
            tokenPrefix: try fields.string("tokenPrefix"),
            maxLifetimeDays: try fields.int("maxLifetimeDays"),
            defaultAuthorName: try author.string("name"),
            defaultAuthorEmail: try author.string("email")
        )
        if fields.object["merges"] != nil {
            let text = try fields.string("merges")
            guard let merges = MergePolicy(rawValue: text) else {
                throw fields.fail("merges must be \(MergePolicy.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")), not '\(text)'")
            }
            settings.merges = merges
        }
        if fields.object["requiredApprovals"] != nil { settings.requiredApprovals = try fields.int("requiredApprovals") }
        if fields.object["forbiddenMethods"] != nil { settings.forbiddenMethods = try fields.strings("forbiddenMethods") }
        let problems = TokenSettingsRules.problems(settings)
        if !problems.isEmpty { throw fields.fail(problems.joined(separator: "; ")) }
        return settings
    }

    /// Whether `method` (canonical or any case) is one that `forbiddenMethods` names.
    public func forbids(_ method: String) -> Bool {
        let name = method.lowercased()
        return forbiddenMethods.contains { pattern in
            let lowered = pattern.lowercased()
            if lowered.hasSuffix(".*") { return name.hasPrefix(String(lowered.dropLast())) }
            return name == lowered
        }
    }
}

public enum TokenSettingsRules {
    /// 1 to 16 ASCII letters and digits, so that a scanner's pattern for the prefix stays simple.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        (1...16).contains(prefix.utf8.count) && prefix.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
    }

    /// `group.Service.Method`, `group.Service.*` or `group.*`: parts of ASCII letters, digits and underscores.
    public static func isValidMethodPattern(_ pattern: String) -> Bool {
        let parts = pattern.split(separator: ".", omittingEmptySubsequences: false)
        func word(_ part: Substring) -> Bool {
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
        }
        if parts.last == "*" { return (2...3).contains(parts.count) && parts.dropLast().allSatisfy(word) }
        return parts.count == 3 && parts.allSatisfy(word)
    }

    public static func problems(_ settings: StoreSettings) -> [String] {
        var problems: [String] = []
        if !isValidPrefix(settings.tokenPrefix) { problems.append("tokenPrefix must be 1 to 16 ASCII letters or digits") }
        if !(1...3660).contains(settings.maxLifetimeDays) { problems.append("maxLifetimeDays must be between 1 and 3660") }
        if !(1...StoreSettings.maximumRequiredApprovals).contains(settings.requiredApprovals) {
            problems.append("requiredApprovals must be between 1 and \(StoreSettings.maximumRequiredApprovals)")
        }
        for pattern in settings.forbiddenMethods where !isValidMethodPattern(pattern) {
            problems.append("forbiddenMethods: '\(pattern.prefix(100))' is not a method name (group.Service.Method) or a pattern (group.Service.* or group.*)")
        }
        return problems
    }
}

public enum PresetFile {
    public static func encode(_ preset: Preset) -> String {
        JSONText.object([
            ("name", .string(preset.name)),
            ("summary", .string(preset.summary)),
            ("why", .string(preset.rationale)),
            ("include", .array(preset.include.map(JSONText.string))),
            ("exclude", .array(preset.exclude.map(JSONText.string))),
        ]).rendered()
    }

    public static func decode(_ data: some Collection<UInt8>, path: String) throws(StoreFileError) -> Preset {
        let fields = try JSONFields(path: path, data: data)
        return Preset(
            name: try fields.string("name"),
            summary: try fields.string("summary"),
            rationale: try fields.string("why"),
            include: try fields.strings("include"),
            exclude: try fields.strings("exclude")
        )
    }
}

public enum CatalogFile {
    public static func decode(_ data: some Collection<UInt8>, path: String) throws(StoreFileError) -> MethodCatalog {
        let fields = try JSONFields(path: path, data: data)
        var methods: [APIMethod] = []
        for method in try fields.objects("methods") {
            let name = try method.string("name")
            guard name.split(separator: ".", omittingEmptySubsequences: false).count == 3 else {
                throw fields.fail("method '\(name)' is not group.Service.Method")
            }
            methods.append(APIMethod(name: name, params: try method.strings("params")))
        }
        return MethodCatalog(methods: methods)
    }
}
