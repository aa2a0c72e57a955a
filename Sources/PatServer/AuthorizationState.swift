import Foundation
import PatCore
import PatVerifier

/// What requests read and the follower writes: the snapshot in force, the verifier's status, and counters.
/// Readers take the snapshot under a short lock; it is an immutable value, so a reload swaps it atomically
/// while requests keep being answered from the old one.
public final class AuthorizationState: @unchecked Sendable {
    private let lock = NSLock()
    private var snapshot: AuthorizationSnapshot?
    private var status = VerifierStatus()
    private var decisions: [ResultCode: Int] = [:]
    private var handOvers = 0
    /// The server's connections: how many, the cap, timeouts (for `/metrics`).
    public let connections = ConnectionStats()

    public init() {}

    public var current: AuthorizationSnapshot? { lock.withLock { snapshot } }
    public var currentStatus: VerifierStatus { lock.withLock { status } }
    public var decisionCounts: [ResultCode: Int] { lock.withLock { decisions } }
    /// Connections the fast path handed to the full HTTP stack (see `PlainGetHandler`).
    public var handOverCount: Int { lock.withLock { handOvers } }

    func publish(_ snapshot: AuthorizationSnapshot?, status: VerifierStatus) {
        lock.withLock {
            self.snapshot = snapshot
            self.status = status
        }
    }

    func count(_ result: ResultCode) { lock.withLock { decisions[result, default: 0] += 1 } }
    func countHandOver() { lock.withLock { handOvers += 1 } }
}

/// Decides for the HTTP routes: the pure decision over the state's current snapshot, counted.
public struct Authority: Sendable {
    public let state: AuthorizationState
    public let catalog: MethodCatalog
    public let maxAge: TimeInterval?
    public let clock: @Sendable () -> Date

    public init(state: AuthorizationState, catalog: MethodCatalog, maxAge: TimeInterval? = nil,
                clock: @escaping @Sendable () -> Date = Date.init) {
        self.state = state
        self.catalog = catalog
        self.maxAge = maxAge
        self.clock = clock
    }

    /// For a request to `target` (`/1.0/<group>/<service>/rest/<method>?...`): the permission comes from its path.
    public func decide(token: String?, target: String) -> Decision {
        decide(token: token, target: target, platform: PlatformURL.parts(target))
    }

    /// The same with the target's platform parts already read (the fast path reads them to route the request).
    func decide(token: String?, target: String, platform: PlatformURL.Parts?) -> Decision {
        let method = platform.flatMap { MethodPermission(platform: $0, catalog: catalog) }?.name
            ?? String(target.prefix { $0 != "?" })
        return decide(token: token, method: method)
    }

    public func decide(token: String?, method: String) -> Decision {
        let decision = Authorizer.decide(state.current, token: token, method: method, at: clock(), catalog: catalog, maxAge: maxAge)
        state.count(decision.result)
        return decision
    }
}
