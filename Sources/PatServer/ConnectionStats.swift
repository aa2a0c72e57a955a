import Foundation

/// What `pat serve` counts of its connections, for `/metrics`: written on the event loops, read by the metrics route.
public final class ConnectionStats: @unchecked Sendable {
    public struct Counts: Sendable, Equatable {
        /// Connections open now.
        public var open = 0
        /// The most allowed at once (0 until the server listens).
        public var cap = 0
        /// Open-files limit the cap was derived from (nil: none).
        public var openFilesLimit: Int?
        public var accepted = 0
        /// Accepted past the cap (several can come in one wake-up) and closed at once.
        public var closedAtCap = 0
        /// Times the server stopped accepting because it was at the cap.
        public var pausedAtCap = 0
        /// `accept` failures (out of descriptors or memory, a client gone before it was accepted).
        public var acceptErrors = 0
        /// Requests that did not arrive whole in time: answered 408, connection closed.
        public var headerTimeouts = 0
        /// Connections closed after sitting idle.
        public var idleTimeouts = 0
        /// `Expect: 100-continue` answered `100 Continue`.
        public var continues = 0
        /// Expectations other than `100-continue`: answered 417.
        public var expectationsRefused = 0
    }

    private let lock = NSLock()
    private var counts = Counts()

    public init() {}

    public var current: Counts { lock.withLock { counts } }

    func update(_ change: (inout Counts) -> Void) { lock.withLock { change(&counts) } }
}
