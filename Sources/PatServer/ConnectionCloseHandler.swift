import NIOCore
import NIOHTTP1

/// Makes the router's connections end when their request says so. Hummingbird closes a connection after a request
/// carrying exactly `Connection: close`, but an HTTP/1.0 request without `keep-alive` (which RFC 9112 section 9.3
/// says must not be kept either) came through with no such header, so the connection stayed open under a response
/// that did not say it would close. nginx, talking HTTP/1.0 to a keep-alive upstream (its default
/// `proxy_http_version`), then reused the connection and got 400 for its next subrequest.
///
/// Sitting right after NIO's HTTP/1 decoder, this marks every request that does not keep the connection with
/// `Connection: close` (which the router acts on) and says so on its response; an HTTP/1.0 request that asks to
/// keep it gets `Connection: keep-alive` back, which HTTP/1.0 clients wait for before they reuse a connection.
final class ConnectionCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the response to a request says of the connection.
    private enum Announce {
        case nothing, keepAlive, close
    }

    /// For each request not answered yet, in order.
    private var announcements = CircularBuffer<Announce>()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        guard !head.isKeepAlive else {
            announcements.append(head.version == .http1_0 ? .keepAlive : .nothing)
            return context.fireChannelRead(data)
        }
        announcements.append(.close)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where announcements.first == .close || announcements.first == .keepAlive:
            head.headers.replaceOrAdd(name: "Connection", value: announcements.first == .close ? "close" : "keep-alive")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            if !announcements.isEmpty { announcements.removeFirst() }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
