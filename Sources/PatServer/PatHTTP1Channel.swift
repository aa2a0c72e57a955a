import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with pat's handlers around it:
///
///     ConnectionTimeoutHandler   bytes: header and idle timeouts (408, close)
///     PlainGetHandler            bytes: the hot routes, until the first request it does not answer
///     NIO's encoder and parser
///     RequestFlowHandler         requests: tells the timeout handler what arrived and what was answered; Expect
///     ConnectionCloseHandler     requests: Connection: close where the request says so
///     Hummingbird's handlers and the router
struct PatHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let authority: Authority
    let limits: ServerLimits

    init(responder: @escaping HTTPChannelHandler.Responder, authority: Authority, limits: ServerLimits = ServerLimits()) {
        inner = HTTP1Channel(responder: responder)
        self.authority = authority
        self.limits = limits
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let stats = authority.state.connections
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let flow = RequestFlowHandler(stats: stats)
            try pipeline.addHandler(flow, position: .after(decoder))
            try pipeline.addHandler(ConnectionCloseHandler(), position: .after(flow))
            try pipeline.addHandler(PlainGetHandler(authority: authority, serverName: serverName), position: .first)
            try pipeline.addHandler(ConnectionTimeoutHandler(idleTimeout: TimeAmount(limits.idleTimeout),
                                                             headerTimeout: TimeAmount(limits.headerTimeout),
                                                             stats: stats, serverName: serverName),
                                    position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
