import NIOCore

/// What the handlers behind `ConnectionTimeoutHandler` tell it, as outbound user events, about the connection's
/// requests: it sits in front of them and sees only bytes.
enum RequestProgress: Sendable {
    /// A request has arrived whole (its head and any body).
    case requestEnded
    /// The response to the oldest request not yet answered has been written whole.
    case responseEnded
    /// The fast path read and answered this many requests (each arrived whole and was answered at once).
    case answered(Int)
    /// Part of a request has arrived and waits for the rest (the start of a head, or bytes handed to NIO's parser).
    case requestStarted
}

/// Closes connections the server is only waiting on. First in each connection's pipeline, it keeps one timer:
///
/// - while a request is arriving and every earlier one has been answered, the request has `headerTimeout` from its
///   first byte (from the connection's opening for the first request, from the last answer for one sent behind it)
///   to arrive whole; then it is answered `408 Request Timeout` and the connection closed. A head sent a byte at a time
///   is no longer served after minutes, nor one that never ends kept forever;
/// - while nothing is arriving and nothing is owed, the connection is closed after `idleTimeout`;
/// - while the server owes an answer, no timer runs.
///
/// It counts requests from the `RequestProgress` events the fast path (`PlainGetHandler`) and, after a hand-over,
/// `RequestFlowHandler` (behind NIO's parser) send it; bytes arriving while no request is under way start one. The
/// timer is armed lazily: a request answered on the fast path costs two clock reads and no rescheduling.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let stats: ConnectionStats?
    private let serverName: String

    private var requestsEnded = 0
    private var responsesEnded = 0
    /// Since when a request has been arriving; nil while none is.
    private var requestStarted: NIODeadline?
    /// Since when the server has owed nothing.
    private var quietSince = NIODeadline.uptimeNanoseconds(0)
    /// Changes seen inside a read, applied with the read's clock when it is done.
    private var startsRequest = false
    private var becameQuiet = false
    private var inRead = false
    private var active = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var date = HTTPDate()

    init(idleTimeout: TimeAmount, headerTimeout: TimeAmount, stats: ConnectionStats?, serverName: String) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.stats = stats
        self.serverName = serverName
    }

    /// Requests arrived whole whose answer is not written yet. A response can end before its request (an early
    /// refusal of a body); it is not counted against a later request.
    private var owed: Int { max(0, requestsEnded - responsesEnded) }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    /// The first request's clock starts when the connection opens.
    private func start(context: ChannelHandlerContext) {
        guard !active else { return }
        active = true
        let now = context.eventLoop.now
        quietSince = now
        requestStarted = now
        arm(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func stop() {
        active = false
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestStarted == nil { startsRequest = true }
        inRead = true
        context.fireChannelRead(data)
        inRead = false
        arm(context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let progress = event as? RequestProgress else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        switch progress {
        case .requestEnded:
            requestEnded()
        case .responseEnded:
            responseEnded()
        case .answered(let count):
            for _ in 0..<count {
                requestEnded()
                responseEnded()
            }
        case .requestStarted:
            if requestStarted == nil { startsRequest = true }
        }
        promise?.succeed(())
        if !inRead { arm(context: context) }
    }

    private func requestEnded() {
        requestsEnded += 1
        requestStarted = nil
        startsRequest = false
    }

    private func responseEnded() {
        responsesEnded += 1
        if owed == 0 { becameQuiet = true }
    }

    /// When the connection is to be given up, if nothing else happens: nil while an answer is owed.
    private var deadline: NIODeadline? {
        guard owed == 0 else { return nil }
        if let requestStarted { return max(requestStarted, quietSince) + headerTimeout }
        return quietSince + idleTimeout
    }

    /// Applies what the last read or event changed and makes sure the timer fires no later than the deadline. A
    /// timer that would fire early stays: it looks at the deadline again when it fires.
    private func arm(context: ChannelHandlerContext) {
        guard active else { return }
        if startsRequest || becameQuiet {
            let now = context.eventLoop.now
            if becameQuiet { quietSince = now }
            if startsRequest, requestStarted == nil { requestStarted = now }
            startsRequest = false
            becameQuiet = false
        }
        guard let deadline else { return }
        if let timerDeadline, timerDeadline <= deadline { return }
        schedule(at: deadline, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = nil
            fire(context: context)
        }
    }

    private func fire(context: ChannelHandlerContext) {
        guard active, let deadline else { return }
        guard deadline <= context.eventLoop.now else { return schedule(at: deadline, context: context) }
        stop()
        if requestStarted != nil {
            stats?.update { $0.headerTimeouts += 1 }
            var buffer = context.channel.allocator.buffer(capacity: 128)
            buffer.writeStaticString("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\nDate: ")
            buffer.writeString(date.now())
            buffer.writeStaticString("\r\nServer: ")
            buffer.writeString(serverName)
            buffer.writeStaticString("\r\n\r\n")
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        } else {
            stats?.update { $0.idleTimeouts += 1 }
        }
        context.close(promise: nil)
    }
}
