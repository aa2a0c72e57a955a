import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PatCore

/// Answers the two hot routes, `GET /1.0/<group>/<service>/rest/<method>` and `GET /auth`, on the event loop from the
/// request head, with the same `Answers` the Hummingbird routes give. It sits right after NIO's HTTP/1 decoder,
/// before the conversion to HTTP types that Hummingbird's router needs: a request through the router crosses into
/// Swift concurrency and back (an async sequence per connection, a task per request) and is converted twice, while a
/// decision takes about a microsecond. Measured under wrk (docs/benchmarks.md): about a third more requests per
/// second than through the router.
///
/// Everything else goes on to the router unchanged: other routes and methods, POSTs (whose form body may hold the
/// token), requests that do not keep the connection alive (HTTP/1.0, `Connection: close`), and any request that
/// comes while an earlier one on the connection is still with the router, so that responses always leave in the
/// order their requests came (HTTP/1.1 pipelining).
final class FastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Current {
        case idle
        /// Answered from the head; written when the request ends (a body, if any, is not needed).
        case answered(HTTPVersion, Answers.Answer)
        case withRouter
    }

    private let authority: Authority
    private let serverName: String
    private var current = Current.idle
    /// Requests handed to the router whose response has not ended yet.
    private var atRouter = 0
    private var needsFlush = false
    private var date = HTTPDate()

    init(authority: Authority, serverName: String) {
        self.authority = authority
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if atRouter == 0, let answer = answer(request) {
                current = .answered(request.version, answer)
                return
            }
            current = .withRouter
            atRouter += 1
            context.fireChannelRead(data)
        case .body:
            if case .withRouter = current { context.fireChannelRead(data) }
        case .end:
            switch current {
            case .withRouter: context.fireChannelRead(data)
            case .answered(let version, let answer): respond(context: context, version: version, answer: answer)
            case .idle: break
            }
            current = .idle
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// The router's responses pass here on their way out; the end of one lets the fast path answer again.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), atRouter > 0 { atRouter -= 1 }
        context.write(data, promise: promise)
    }

    /// The answer to a hot-route request, or nil to leave it to the router.
    private func answer(_ request: HTTPRequestHead) -> Answers.Answer? {
        guard request.method == .GET, request.isKeepAlive else { return nil }
        let target = request.uri
        let authorization = request.headers.first(name: "Authorization")
        if let platform = PlatformURL.parts(target) {
            let token = Answers.token(target: target, authorization: authorization)
            return Answers.platform(authority.decide(token: token, target: target, platform: platform))
        }
        if Answers.isGatewayTarget(target) {
            let original = request.headers.first(name: "X-Original-URI") ?? ""
            return Answers.gateway(authority.decide(token: Answers.token(target: original, authorization: authorization), target: original))
        }
        return nil
    }

    /// Writes the answer with the headers Hummingbird adds to its responses (`Date`, `Server`, `Content-Length`).
    private func respond(context: ChannelHandlerContext, version: HTTPVersion, answer: Answers.Answer) {
        let body = answer.body.map { context.channel.allocator.buffer(string: $0) }
        var headers = HTTPHeaders(answer.headers)
        headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        headers.add(name: "Date", value: date.now())
        headers.add(name: "Server", value: serverName)
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        needsFlush = true
    }
}

/// Hummingbird's HTTP/1 child channel with the fast path put in front of its HTTP-types conversion.
struct PatHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let authority: Authority

    init(responder: @escaping HTTPChannelHandler.Responder, authority: Authority) {
        inner = HTTP1Channel(responder: responder)
        self.authority = authority
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(FastPathHandler(authority: authority, serverName: serverName),
                                                           position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// The `Date` header (RFC 9110's IMF-fixdate), formatted once per second.
struct HTTPDate {
    private var second = 0
    private var text = ""

    mutating func now() -> String {
        var seconds = time(nil)
        if seconds != second {
            second = seconds
            var parts = tm()
            gmtime_r(&seconds, &parts)
            text = Self.format(parts)
        }
        return text
    }

    static func format(_ parts: tm) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
