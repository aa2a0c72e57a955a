import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers the two hot routes, `GET /1.0/<group>/<service>/rest/<method>` and `GET /auth`, on the event loop from the
/// request head, with the same `Answers` the Hummingbird routes give. A request through Hummingbird's router crosses
/// into Swift concurrency and back (an async sequence per connection, a task per request): under wrk that cost a
/// quarter of `pat serve`'s throughput (measured in docs/benchmarks.md), while a decision takes about a microsecond.
///
/// Everything else goes on to the router unchanged: other routes and methods, POSTs (whose form body may hold the
/// token), `Connection: close`, and any request that comes while an earlier one on the connection is still with
/// the router, so that responses always leave in the order their requests came (HTTP/1.1 pipelining).
final class FastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Current {
        case idle
        /// Answered from the head; written when the request ends (a body, if any, is not needed).
        case answered(HTTPResponse, String?)
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
                current = .answered(answer.0, answer.1)
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
            case .answered(let head, let body): respond(context: context, head: head, body: body)
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
    private func answer(_ request: HTTPRequest) -> (HTTPResponse, String?)? {
        guard request.method == .get, let target = request.path,
              request.headerFields[.connection].map({ $0.lowercased().contains("close") }) != true else { return nil }
        let authorization = request.headerFields[.authorization]
        if Answers.isPlatformTarget(target) {
            let decision = authority.decide(token: Answers.token(target: target, authorization: authorization), target: target)
            let answer = Answers.platform(decision)
            return (answer.head, answer.body)
        }
        if Answers.isGatewayTarget(target) {
            let original = request.headerFields[.xOriginalURI] ?? ""
            let decision = authority.decide(token: Answers.token(target: original, authorization: authorization), target: original)
            return (Answers.gateway(decision), nil)
        }
        return nil
    }

    /// Writes the response with the headers Hummingbird would add (`Date`, `Server`, `Content-Length`).
    private func respond(context: ChannelHandlerContext, head: HTTPResponse, body: String?) {
        var head = head
        let buffer = body.map { context.channel.allocator.buffer(string: $0) }
        head.headerFields[.date] = date.now()
        head.headerFields[.server] = serverName
        head.headerFields[.contentLength] = String(buffer?.readableBytes ?? 0)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let buffer { context.write(wrapOutboundOut(.body(buffer)), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        needsFlush = true
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
