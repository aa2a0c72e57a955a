import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with the byte-level fast path (`PlainGetHandler`) in front of it, and
/// `ConnectionCloseHandler` behind NIO's parser.
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
            try channel.pipeline.syncOperations.addHandler(ConnectionCloseHandler(), position: .after(decoder))
            try channel.pipeline.syncOperations.addHandler(PlainGetHandler(authority: authority, serverName: serverName),
                                                           position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
