import NIOCore
import PatCore

/// Answers the two hot routes, `GET /1.0/<group>/<service>/rest/<method>` and `GET /auth`, from the connection's
/// bytes, on the event loop, with the same `Answers` the Hummingbird routes give. It sits first in the pipeline, in
/// front of NIO's HTTP/1 parser, and reads only plain keep-alive GETs (`PlainGetRequest`). A decision takes about a
/// microsecond; going through NIO's parser, the HTTP-types conversion and the router (which crosses into Swift
/// concurrency and back for every request) costs many times that (measured in docs/benchmarks.md).
///
/// The first request on a connection that is anything else (another route or method, a body, `Connection: close`,
/// HTTP/1.0, an unusual header) hands the connection over: the handler passes on every byte it has not answered and
/// leaves the pipeline, and from then on NIO's parser and the router serve that connection. Responses stay in the
/// order of their requests (HTTP/1.1 pipelining) because everything this handler answered was written before the
/// first byte went on to the router.
///
/// A client that sends requests without reading the answers would have them pile up in memory: while the channel
/// is not writable (its outbound buffer is over NIO's high-water mark) the handler holds back reads, as the router's
/// own back-pressure does.
final class PlainGetHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let authority: Authority
    private let serverName: String
    /// The start of a head that has not fully arrived (and so holds no blank line yet).
    private var partial: ByteBuffer?
    /// Heads read (for tests: a head arriving in pieces is read once, not once per piece).
    private(set) var headsRead = 0
    private var handedOver = false
    private var needsFlush = false
    /// A read asked for while the channel could not take more answers.
    private var readHeldBack = false
    private var date = HTTPDate()

    init(authority: Authority, serverName: String) {
        self.authority = authority
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !handedOver else { return context.fireChannelRead(data) }
        var buffer = unwrapInboundIn(data)
        if var partial {
            let scanned = partial.readableBytes
            partial.writeBuffer(&buffer)
            buffer = partial
            // Read the head again only once its blank line has come (or it is too long): a head trickling in a
            // byte at a time costs one pass, not one per byte.
            let end = buffer.withUnsafeReadableBytes { Self.blankLine(in: $0, from: max(scanned - 3, 0)) }
            guard end || buffer.readableBytes >= PlainGetRequest.maxHeadLength else {
                self.partial = buffer
                return
            }
            self.partial = nil
        }
        var answered = 0
        while buffer.readableBytes > 0 {
            headsRead += 1
            switch buffer.withUnsafeReadableBytes(PlainGetRequest.parse) {
            case .request(let request, let length):
                guard let answer = answer(request) else { return handOver(context: context, buffer, answered: answered) }
                buffer.moveReaderIndex(forwardBy: length)
                context.write(wrapOutboundOut(render(answer, allocator: context.channel.allocator)), promise: nil)
                needsFlush = true
                answered += 1
            case .incomplete:
                partial = buffer
                report(answered, context: context, requestStarted: true)
                return
            case .unsupported:
                return handOver(context: context, buffer, answered: answered)
            }
        }
        report(answered, context: context, requestStarted: false)
    }

    /// Tells `ConnectionTimeoutHandler` what this read did: requests answered, and whether another has started.
    private func report(_ answered: Int, context: ChannelHandlerContext, requestStarted: Bool) {
        guard answered > 0 else { return }
        context.triggerUserOutboundEvent(RequestProgress.answered(answered), promise: nil)
        if requestStarted { context.triggerUserOutboundEvent(RequestProgress.requestStarted, promise: nil) }
    }

    /// Whether `bytes` hold CR LF CR LF at or after `start`.
    static func blankLine(in bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var index = start
        while index + 3 < bytes.count {
            if bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n"), bytes[index + 2] == UInt8(ascii: "\r"),
               bytes[index + 3] == UInt8(ascii: "\n") { return true }
            index += 1
        }
        return false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        guard handedOver || context.channel.isWritable else {
            readHeldBack = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if readHeldBack, context.channel.isWritable {
            readHeldBack = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    /// From here on NIO's parser and the router serve this connection, starting with `rest`.
    private func handOver(context: ChannelHandlerContext, _ rest: ByteBuffer, answered: Int) {
        handedOver = true
        authority.state.countHandOver()
        // The request handed over is under way; NIO's parser says when it has arrived whole.
        report(answered, context: context, requestStarted: true)
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        if readHeldBack {
            readHeldBack = false
            context.read()
        }
        context.fireChannelRead(wrapInboundOut(rest))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The answer to a hot-route request, or nil to leave it to the router.
    private func answer(_ request: PlainGetRequest) -> Answers.Answer? {
        if let platform = PlatformURL.parts(request.target) {
            let token = Answers.token(target: request.target, authorization: request.authorization)
            return Answers.platform(authority.decide(token: token, target: request.target, platform: platform))
        }
        if Answers.isGatewayTarget(request.target) {
            let original = request.originalURI ?? ""
            return Answers.gateway(authority.decide(token: Answers.token(target: original, authorization: request.authorization),
                                                    target: original))
        }
        return nil
    }

    /// The response as NIO's encoder and Hummingbird would write it: status line, the answer's headers, then
    /// `Content-Length`, `Date` and `Server` (which Hummingbird adds to every response).
    private func render(_ answer: Answers.Answer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = answer.body ?? ""
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count + answer.headers.reduce(0) { $0 + $1.value.utf8.count + 24 })
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(Answers.statusLine(answer.status))
        buffer.writeStaticString("\r\n")
        for (name, value) in answer.headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(body.utf8.count))
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(date.now())
        buffer.writeStaticString("\r\nServer: ")
        buffer.writeString(serverName)
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeString(body)
        return buffer
    }
}
