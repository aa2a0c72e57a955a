import NIOCore
import NIOHTTP1

/// Right behind NIO's HTTP/1 parser, on connections the fast path handed over:
///
/// - tells `ConnectionTimeoutHandler` (which sees only bytes) when a request has arrived whole and when its response
///   has been written whole (`RequestProgress`);
/// - answers `Expect: 100-continue` with `100 Continue` as soon as the request is the next to be answered, so that a
///   client waiting for it sends its body at once (neither NIO nor Hummingbird answers it; curl waits a second, others
///   until the header timeout). Any other expectation is refused with `417 Expectation Failed` and the connection
///   closed, without the request reaching the router. HTTP/1.0 requests' expectations are ignored (RFC 9110 section
///   10.1.1).
final class RequestFlowHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: ConnectionStats?
    /// Requests whose head has come and whose response has not been written whole.
    private var unanswered = 0
    /// A `100 Continue` owed once this many earlier responses are written (responses go out in request order).
    private var continueAfter: Int?
    /// An expectation refused: the 417 goes out once this many earlier responses are written; nothing more is read.
    private var refuseAfter: Int?

    init(stats: ConnectionStats?) {
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refuseAfter == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(var head):
            let expectations = head.headers[canonicalForm: "Expect"]
            if !expectations.isEmpty {
                head.headers.remove(name: "Expect")
                if head.version.major > 1 || head.version.minor >= 1 {
                    guard expectations.allSatisfy({ $0.lowercased() == "100-continue" }) else {
                        refuseAfter = unanswered
                        if unanswered == 0 { refuse(context: context) }
                        return
                    }
                    if unanswered == 0 { sendContinue(context: context) } else { continueAfter = unanswered }
                }
            }
            unanswered += 1
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            context.fireChannelRead(data)
        case .end:
            context.triggerUserOutboundEvent(RequestProgress.requestEnded, promise: nil)
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        context.write(data, promise: promise)
        unanswered = max(0, unanswered - 1)
        context.triggerUserOutboundEvent(RequestProgress.responseEnded, promise: nil)
        if let count = continueAfter {
            continueAfter = count > 1 ? count - 1 : nil
            if count == 1 { sendContinue(context: context) }
        }
        if let count = refuseAfter, count > 0 {
            refuseAfter = count - 1
            if count == 1 { refuse(context: context) }
        }
    }

    private func sendContinue(context: ChannelHandlerContext) {
        stats?.update { $0.continues += 1 }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    private func refuse(context: ChannelHandlerContext) {
        stats?.update { $0.expectationsRefused += 1 }
        let head = HTTPResponseHead(version: .http1_1, status: .expectationFailed,
                                    headers: HTTPHeaders([("Connection", "close"), ("Content-Length", "0")]))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}
