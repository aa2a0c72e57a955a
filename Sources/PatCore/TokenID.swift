/// A token's identity: 16 lower-case hex characters (64 random bits). It never changes, not even when
/// the value is regenerated, so `git log --follow` on its file is the token's whole life.
public struct TokenID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        guard text.utf8.count == 16, text.utf8.allSatisfy({ Hex.value($0) != nil }) else { return nil }
        rawValue = text
    }

    public static func generate() -> TokenID {
        var generator = SystemRandomNumberGenerator()
        return TokenID(Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }))!
    }

    /// The shard folder: the first two characters, so no tree holds more than 1/256 of the tokens.
    public var shard: String { String(rawValue.prefix(2)) }
    /// Where the token's file lives in the store's tree.
    public var path: String { "tokens/\(shard)/\(rawValue).json" }
    public var fileName: String { "\(rawValue).json" }

    public var description: String { rawValue }
    public static func < (a: TokenID, b: TokenID) -> Bool { a.rawValue < b.rawValue }
}
