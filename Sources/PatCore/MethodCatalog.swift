/// One API method: `group.Service.Method`, the permission a token must hold to call it.
public struct APIMethod: Hashable, Sendable {
    public let name: String
    public let params: [String]

    public init(name: String, params: [String] = []) {
        self.name = name
        self.params = params
    }

    public var parts: (group: Substring, service: Substring, method: Substring) {
        let pieces = name.split(separator: ".")
        return (pieces[0], pieces[1], pieces[2])
    }

    /// Where the platform serves it: `/1.0/<group>/<service>/rest/<method>`, lower case.
    public var urlPath: String {
        let (group, service, method) = parts
        return "/1.0/\(group)/\(service)/rest/\(method)".lowercased()
    }

    public var docURL: String {
        let (group, service, method) = parts
        return "https://docs.jelastic.com/api/#!/api/\(group).\(service)-method-\(method)"
    }
}

/// The methods a token may be granted. Names are looked up ignoring case, with `env.` accepted for
/// `environment.`; unknown names come back with the closest known ones.
public struct MethodCatalog: Sendable {
    public let methods: [APIMethod]
    private let byLowercasedName: [String: Int]
    private let byURLPath: [String: Int]
    private let names: MethodNameTable

    public init(methods: [APIMethod]) {
        let sorted = methods.sorted { $0.name < $1.name }
        self.methods = sorted
        var names: [String: Int] = [:]
        var paths: [String: Int] = [:]
        for (index, method) in sorted.enumerated() {
            names[method.name.lowercased()] = index
            paths[method.urlPath] = index
        }
        byLowercasedName = names
        byURLPath = paths
        self.names = MethodNameTable(sorted.map(\.name))
    }

    /// `env.X.Y` -> `environment.X.Y`; otherwise unchanged.
    public static func expandAlias(_ name: String) -> String {
        name.lowercased().hasPrefix("env.") ? "environment." + name.dropFirst(4) : name
    }

    public func method(named name: String) -> APIMethod? {
        byLowercasedName[MethodCatalog.expandAlias(name).lowercased()].map { methods[$0] }
    }

    /// The canonical name of the method a request names, without allocating (see `MethodKey`).
    public func canonicalName(_ key: MethodKey) -> String? { names.canonical(key) }

    public func method(atURLPath path: String) -> APIMethod? {
        byURLPath[path.lowercased()].map { methods[$0] }
    }

    /// Canonical names for every input, or one problem per unknown name.
    public func resolve(_ names: [String]) -> Result<[String], TokenValidationError> {
        var resolved: [String] = []
        var problems: [TokenValidationError.Problem] = []
        for name in names {
            if let method = method(named: name) {
                resolved.append(method.name)
            } else {
                problems.append(.unknownMethod(name, suggestions: suggestions(for: name)))
            }
        }
        return problems.isEmpty ? .success(resolved) : .failure(TokenValidationError(problems: problems))
    }

    public func search(_ text: String) -> [APIMethod] {
        let needle = MethodCatalog.expandAlias(text).lowercased()
        if needle.isEmpty { return methods }
        return methods.filter { $0.name.lowercased().contains(needle) }
    }

    /// The closest names by edit distance, at most three.
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        let needle = Array(MethodCatalog.expandAlias(name).lowercased().utf8)
        let threshold = max(3, needle.count / 3)
        let scored = methods.compactMap { method -> (Int, String)? in
            let distance = editDistance(needle, Array(method.name.lowercased().utf8), limit: threshold)
            return distance <= threshold ? (distance, method.name) : nil
        }
        return scored.sorted { $0 < $1 }.prefix(limit).map(\.1)
    }

    /// Expands patterns such as `environment.Control.*`, `environment.*` or `*` to method names.
    public func expand(pattern: String) -> [String] {
        let expanded = MethodCatalog.expandAlias(pattern).lowercased()
        if expanded == "*" { return methods.map(\.name) }
        if expanded.hasSuffix(".*") {
            let prefix = String(expanded.dropLast())
            return methods.filter { $0.name.lowercased().hasPrefix(prefix) }.map(\.name)
        }
        return method(named: pattern).map { [$0.name] } ?? []
    }
}

/// Levenshtein distance, giving up early once every path exceeds `limit`.
func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        current[0] = i
        var rowMinimum = current[0]
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMinimum = min(rowMinimum, current[j])
        }
        if rowMinimum > limit { return limit + 1 }
        swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
}
