import Foundation

/// The list view's filters: a search over id and description, and active / expired.
public struct TokenQuery: Sendable {
    public enum State: Sendable { case any, active, expired }

    public var search: String?
    public var state: State

    public init(search: String? = nil, state: State = .any) {
        self.search = search
        self.state = state
    }

    /// Matching tokens, newest first (ties by id, so the order is stable).
    public func apply(to tokens: [Token], now: Date) -> [Token] {
        let needle = search?.lowercased() ?? ""
        return tokens.filter { token in
            switch state {
            case .any: break
            case .active: if token.isExpired(at: now) { return false }
            case .expired: if !token.isExpired(at: now) { return false }
            }
            return needle.isEmpty || token.description.lowercased().contains(needle) || token.id.rawValue.contains(needle)
        }
        .sorted { ($0.created, $1.id) > ($1.created, $0.id) }
    }
}
