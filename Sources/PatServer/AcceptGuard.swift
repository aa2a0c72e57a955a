import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sits first in the listening socket's pipeline and decides when it accepts. At `cap` open connections it stops
/// (the kernel queues newcomers in the listen backlog, and refuses them when that is full); each connection that closes
/// lets one more in. An `accept` that fails because the process or the system is out of descriptors or memory pauses
/// accepting for a while (50 ms, doubling up to 1 s while failures go on) instead of ending the server: NIO reports
/// those failures as errors in this pipeline, and Hummingbird's accept loop ends at the first error it sees, after
/// which the server answers nothing. A client gone before it was accepted (`ECONNABORTED`) is no error at all.
final class AcceptGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    static let firstPause: TimeAmount = .milliseconds(50)
    static let longestPause: TimeAmount = .seconds(1)

    let cap: Int
    private let stats: ConnectionStats
    private let logger: Logger
    private var open = 0
    /// A read (an accept) the channel asked for and this handler holds back.
    private var heldRead = false
    /// The pause after the last failed accept; nil once one succeeds.
    private(set) var pause: TimeAmount?
    private var resume: Scheduled<Void>?

    init(cap: Int, stats: ConnectionStats, logger: Logger) {
        self.cap = cap
        self.stats = stats
        self.logger = logger
    }

    var isPaused: Bool { resume != nil }

    /// Starts accepting: the `AcceptGate` kept the listening socket from reading until this handler was there.
    func handlerAdded(context: ChannelHandlerContext) {
        context.read()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        pause = nil
        // One wake-up can accept several connections before the next read is asked for: those past the cap are
        // closed at once rather than kept.
        guard open < cap else {
            stats.update { $0.closedAtCap += 1 }
            child.close(promise: nil)
            return
        }
        open += 1
        let open = open
        stats.update {
            $0.accepted += 1
            $0.open = open
        }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        child.closeFuture.hop(to: context.eventLoop).whenComplete { _ in
            let (handler, context) = loopBound.value
            handler.closed(context: context)
        }
        context.fireChannelRead(data)
    }

    private func closed(context: ChannelHandlerContext) {
        open -= 1
        let open = open
        stats.update { $0.open = open }
        releaseHeldRead(context: context)
    }

    func read(context: ChannelHandlerContext) {
        guard open < cap, resume == nil else {
            if !heldRead, resume == nil {
                stats.update { $0.pausedAtCap += 1 }
            }
            heldRead = true
            return
        }
        context.read()
    }

    private func releaseHeldRead(context: ChannelHandlerContext) {
        guard heldRead, open < cap, resume == nil else { return }
        heldRead = false
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let code = (error as? IOError)?.errnoCode else { return context.fireErrorCaught(error) }
        switch code {
        case ECONNABORTED:
            stats.update { $0.acceptErrors += 1 }
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            stats.update { $0.acceptErrors += 1 }
            let next = pause.map { min($0 * 2, Self.longestPause) } ?? Self.firstPause
            if pause == nil {
                logger.warning("cannot accept connections; pausing accepts while this lasts", metadata: [
                    "error": .string(String(describing: error)), "open_connections": .stringConvertible(open),
                    "pause_ms": .stringConvertible(next.nanoseconds / 1_000_000)])
            }
            pause = next
            resume?.cancel()
            resume = context.eventLoop.assumeIsolated().scheduleTask(in: next) { [self] in
                resume = nil
                releaseHeldRead(context: context)
            }
        default:
            context.fireErrorCaught(error)
        }
    }
}

/// Keeps the listening socket from accepting until the `AcceptGuard` is in its pipeline, so that no connection is
/// accepted uncounted. It is Hummingbird's `availableConnectionsDelegate`, whose handler Hummingbird puts in that
/// pipeline before it binds (the guard can only be added once the server runs).
struct AcceptGate: AvailableConnectionsDelegate {
    final class Opened: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isOpen: Bool {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    let opened = Opened()

    mutating func connectionOpened() {}
    mutating func connectionClosed() {}
    func isAcceptingNewConnections() -> Bool { opened.isOpen }
}
