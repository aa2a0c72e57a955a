import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PatCore
import PatVerifier

/// The routes of `pat serve`.
public func buildRouter(authority: Authority) -> Router<PatRequestContext> {
    let router = Router(context: PatRequestContext.self)

    // The platform's own URL form: the decision in the platform's shape, HTTP 200 as the platform answers.
    let platform = router.group("1.0").add(middleware: AuthorizationMiddleware(authority: authority, source: .requestPath))
    let platformCall: @Sendable (Request, PatRequestContext) async throws -> Response = { _, context in
        guard let decision = context.decision else { return Response(status: .internalServerError) }
        let answer = Answers.platform(decision)
        return Response(status: .init(code: answer.status), headers: answer.fields, body: .init(byteBuffer: ByteBuffer(string: answer.body ?? "")))
    }
    platform.get(":group/:service/rest/:method", use: platformCall)
    platform.post(":group/:service/rest/:method", use: platformCall)

    // nginx auth_request: 200 lets the call through; 401 / 403 carry the platform answer in headers.
    router.group("auth").add(middleware: AuthorizationMiddleware(authority: authority, source: .originalURI))
        .get { _, context in
            guard let decision = context.decision else { return Response(status: .internalServerError) }
            let answer = Answers.gateway(decision)
            return Response(status: .init(code: answer.status), headers: answer.fields)
        }

    // For services that ask directly: {"token": ..., "method": ...}.
    router.post("v1/authorize") { request, context in
        let body: AuthorizeRequest
        do {
            body = try await request.decode(as: AuthorizeRequest.self, context: context)
        } catch {
            // Counted like every other answer's result (pat_decisions_total).
            authority.state.count(.badRequest)
            return json(JSONText.object([("result", .int(ResultCode.badRequest.rawValue)),
                                         ("error", .string("the body must be JSON: {\"token\": \"...\", \"method\": \"group.Service.Method\"}"))]).compact(),
                        status: .badRequest)
        }
        let decision = authority.decide(token: body.token, method: body.method)
        var members: [(String, JSONText)] = [("result", .int(decision.result.rawValue))]
        if let error = decision.error { members.append(("error", .string(error))) }
        if let id = decision.tokenID { members.append(("token_id", .string(id.rawValue))) }
        if let permission = decision.permission { members.append(("permission", .string(permission))) }
        return json(JSONText.object(members).compact(), status: .ok)
    }

    // 200 "ok" only while there is a verified snapshot and the store can be read; a store that disappeared is
    // reported (503, "store_unreadable", the reason naming its path) while the last snapshot keeps answering.
    router.get("healthz") { _, _ in
        let status = authority.state.currentStatus
        let snapshot = authority.state.current
        let healthy = snapshot != nil && status.storeProblem == nil
        var members: [(String, JSONText)] = [
            ("status", .string(snapshot == nil ? "unavailable" : status.storeProblem != nil ? "store_unreadable" : "ok")),
            ("verified_head", status.verifiedHead.map(JSONText.string) ?? .string("")),
            ("tokens", .int(status.tokenCount)),
            ("last_reload", .string(status.verifiedAt.map(Timestamp.format) ?? "")),
            ("reloads", .int(status.reloads)),
            ("refused_heads", .int(status.refusals)),
            ("token_problems", .array(status.problems.map { .string($0.description) })),
        ]
        if let head = status.lastRefusedHead { members.append(("last_refused_head", .string(head))) }
        if let reason = status.lastRefusal { members.append(("last_refusal", .string(reason))) }
        if let problem = status.storeProblem { members.append(("store_error", .string(problem))) }
        return json(JSONText.object(members).compact(), status: healthy ? .ok : .serviceUnavailable)
    }

    router.get("metrics") { _, _ in
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: Metrics.render(authority: authority))))
        response.headers[.contentType] = "text/plain; version=0.0.4"
        return response
    }
    return router
}

/// The `Server` header of every response.
let serverName = "pat"

/// What the server knows once it listens.
public struct ServerStart: Sendable {
    public let port: Int
    /// Most connections it keeps open at once.
    public let connectionCap: Int
    /// The soft open-files limit the cap was derived from (nil: none).
    public let openFilesLimit: Int?
    /// Descriptors open when it started listening.
    public let descriptorsInUse: Int
}

/// The whole service: routes plus the follower that keeps the snapshot current.
public func buildApplication(authority: Authority, reloader: Reloader, host: String, port: Int, logger: Logger,
                             pollInterval: Duration = .milliseconds(500), limits: ServerLimits = ServerLimits(),
                             onServerRunning: @escaping @Sendable (ServerStart) async -> Void = { _ in }) -> some ApplicationProtocol {
    let gate = AcceptGate()
    return Application(
        router: buildRouter(authority: authority),
        // The hot routes are answered from the connection's bytes on the event loop (see PlainGetHandler); the rest
        // go through the router.
        server: HTTPServerBuilder { responder in PatHTTP1Channel(responder: responder, authority: authority, limits: limits) },
        configuration: .init(address: .hostname(host, port: port), serverName: serverName, availableConnectionsDelegate: gate),
        services: [StoreFollower(reloader: reloader, interval: pollInterval)],
        onServerRunning: { channel in
            let start = await guardAccepts(channel, gate: gate, limits: limits, stats: authority.state.connections, logger: logger)
            await onServerRunning(ServerStart(port: channel.localAddress?.port ?? port, connectionCap: start.cap,
                                              openFilesLimit: start.limit, descriptorsInUse: start.inUse))
        },
        logger: logger
    )
}

/// Puts the `AcceptGuard` in front of the listening socket, with the cap the open-files limit leaves room for, and
/// opens the `AcceptGate` that held accepts back until then.
func guardAccepts(_ channel: any Channel, gate: AcceptGate, limits: ServerLimits, stats: ConnectionStats,
                  logger: Logger) async -> (cap: Int, limit: Int?, inUse: Int) {
    let inUse = OpenFiles.inUse()
    let limit = OpenFiles.softLimit()
    let cap = ServerLimits.connectionCap(requested: limits.maxConnections, openFilesLimit: limit, descriptorsInUse: inUse)
    stats.update {
        $0.cap = cap
        $0.openFilesLimit = limit
    }
    do {
        try await channel.eventLoop.submit {
            // One accept per wake-up, so that the cap is where accepting stops (the guard closes any past it).
            try channel.syncOptions?.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
            gate.opened.isOpen = true
            try channel.pipeline.syncOperations.addHandler(AcceptGuard(cap: cap, stats: stats, logger: logger), position: .first)
        }.get()
    } catch {
        logger.error("cannot limit connections; accepting without a cap", metadata: ["error": .string("\(error)")])
        gate.opened.isOpen = true
        channel.read()
    }
    return (cap, limit, inUse)
}

struct AuthorizeRequest: Decodable {
    let token: String?
    let method: String
}

func json(_ text: String, status: HTTPResponse.Status) -> Response {
    var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
    response.headers[.contentType] = "application/json"
    return response
}
