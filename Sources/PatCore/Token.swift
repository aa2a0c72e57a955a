import Foundation

/// The API a token may call: the preset it was made from (or "Custom") and every method it grants,
/// canonical and sorted, so that a reviewer sees exactly what the token can do.
public struct APIGrant: Equatable, Sendable {
    public static let custom = "Custom"
    public var preset: String
    public var methods: [String]

    public init(preset: String, methods: [String]) {
        self.preset = preset
        // Files hold them sorted and unique already: check in one pass before paying for a sort.
        let isCanonical = zip(methods, methods.dropFirst()).allSatisfy { $0 < $1 }
        self.methods = isCanonical ? methods : Array(Set(methods)).sorted()
    }
}

/// One token's metadata, exactly what its JSON file holds.
public struct Token: Equatable, Sendable {
    public static let formatVersion = 1

    public var id: TokenID
    public var description: String
    public var hash: TokenHash
    public var created: Date
    public var expires: Date
    public var api: APIGrant

    public init(id: TokenID, description: String, hash: TokenHash, created: Date, expires: Date, api: APIGrant) {
        self.id = id
        self.description = description
        self.hash = hash
        self.created = created
        self.expires = expires
        self.api = api
    }

    public func isExpired(at now: Date) -> Bool { expires <= now }
}
