import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PatCore
import Testing
@testable import PatServer

/// The byte-level fast path: it must answer exactly as the router does, hand everything else (and every byte after
/// it) to NIO's parser and the router, and never let a response overtake an earlier one on the same connection.
@Suite struct FastPathTests {
    /// A fast-path handler in a channel of its own: bytes go in, its answers come out, and what it hands over is
    /// read from the inbound end.
    struct Harness {
        let channel = EmbeddedChannel()
        let handler: PlainGetHandler

        init(_ authority: Authority) throws {
            handler = PlainGetHandler(authority: authority, serverName: "pat")
            try channel.pipeline.syncOperations.addHandler(handler)
        }

        func send(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
        }

        func send(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        /// The responses written so far, split apart.
        func answers() throws -> [Response] {
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            var responses: [Response] = []
            while !text.isEmpty {
                let response = try #require(Response(text), "a whole response in \(text)")
                responses.append(response)
                text = String(decoding: text.utf8.dropFirst(response.length), as: UTF8.self)
            }
            return responses
        }

        /// Every byte handed over to NIO's parser.
        func handedOver() throws -> String {
            var text = ""
            while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        var isInPipeline: Bool {
            (try? channel.pipeline.syncOperations.handler(type: PlainGetHandler.self)) != nil
        }
    }

    /// One HTTP/1.1 response with a Content-Length, read back from bytes.
    struct Response {
        let statusLine: String
        let headers: [(String, String)]
        let body: String
        let length: Int

        init?(_ text: String) {
            guard let end = text.range(of: "\r\n\r\n") else { return nil }
            let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
            statusLine = lines[0]
            headers = lines.dropFirst().map { line in
                let colon = line.firstIndex(of: ":")!
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let count = Int(headers.first { $0.0 == "Content-Length" }?.1 ?? "") ?? 0
            let bodyBytes = text[end.upperBound...].utf8.prefix(count)
            guard bodyBytes.count == count else { return nil }
            body = String(decoding: bodyBytes, as: UTF8.self)
            length = text[..<end.upperBound].utf8.count + count
        }

        var status: Int { Int(statusLine.split(separator: " ")[1])! }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    static func get(_ target: String, _ headers: HTTPFields = [:], version: String = "HTTP/1.1") -> String {
        request("GET", target, headers, version: version)
    }

    static func request(_ method: String, _ target: String, _ headers: HTTPFields = [:], version: String = "HTTP/1.1",
                        body: String = "") -> String {
        "\(method) \(target) \(version)\r\nHost: pat\r\n" + headers.map { "\($0.name.rawName): \($0.value)\r\n" }.joined()
            + (body.isEmpty ? "" : "Content-Length: \(body.utf8.count)\r\n") + "\r\n" + body
    }

    static let original = HTTPField.Name("X-Original-URI")!

    /// Requests both paths answer, with what makes them differ: token place, case, alias, refusals of every kind.
    static func requests(_ token: String, _ other: String) -> [(String, HTTPFields)] {
        [
            ("/1.0/environment/control/rest/stopenv?envName=my-project&session=\(token)", [:]),
            ("/1.0/environment/control/rest/startenv?session=\(token)", [:]),
            ("/1.0/env/Control/rest/GetEnvInfo?session=\(token)", [:]),
            ("/1.0/environment/control/rest/stopenv", [.authorization: "Bearer \(token)"]),
            ("/1.0/environment/control/rest/stopenv", [:]),
            ("/1.0/environment/control/rest/stopenv?session=garbage", [:]),
            ("/1.0/environment/control/rest/stopenv?session=\(other)", [:]),
            ("/1.0/environment/control/rest/stop%65nv?session=\(token)", [:]),
            ("/1.0/a/b/rest/c-d?session=\(token)", [:]),
            ("/auth", [original: "/1.0/environment/control/rest/stopenv?envName=a&session=\(token)"]),
            ("/auth", [original: "/1.0/environment/control/rest/deleteenv?session=\(token)"]),
            ("/auth?from=nginx", [original: "/1.0/environment/control/rest/stopenv", .authorization: "Bearer pat_nonsense"]),
            ("/auth", [original: "/2.0/whatever?session=\(token)"]),
            ("/auth", [:]),
        ]
    }

    @Test func itAnswersExactlyAsTheRouterDoes() async throws {
        let service = try await RouteTests.Service()
        let harness = try Harness(service.authority)
        let requests = Self.requests(service.token, TokenSecret.generate(prefix: "pat").value)
        var fast: [Response] = []
        for (target, headers) in requests {
            try harness.send(Self.get(target, headers))
            let answers = try harness.answers()
            #expect(answers.count == 1, "the fast path answers \(target)")
            fast += answers
        }
        #expect(try harness.handedOver().isEmpty)
        #expect(harness.isInPipeline)
        let answers = fast
        try #require(answers.count == requests.count)
        try await service.app.test(.router) { client in
            for ((target, headers), fast) in zip(requests, answers) {
                try await client.execute(uri: target, method: .get, headers: headers) { response in
                    #expect(fast.status == response.status.code, "\(target)")
                    #expect(fast.statusLine == "HTTP/1.1 \(response.status.code) \(HTTPResponseStatus(statusCode: response.status.code).reasonPhrase)")
                    #expect(fast.body == String(buffer: response.body), "\(target)")
                    for name in ["Content-Type", "X-Pat-Result", "X-Pat-Response", "X-Pat-Error", "X-Pat-Permission", "X-Pat-Token-Id"] {
                        #expect(fast.header(name) == response.headers[HTTPField.Name(name)!], "\(target): \(name)")
                    }
                }
            }
        }
        #expect(answers[0].header("Content-Length") == String(answers[0].body.utf8.count))
        #expect(answers[0].header("Server") == "pat")
        #expect(answers[0].header("Date")?.hasSuffix(" GMT") == true)
        #expect(answers.map(\.status).contains(401) && answers.map(\.status).contains(403))
    }

    /// Anything but a plain keep-alive GET of a hot route hands the connection over, with every byte from that
    /// request on; what came before it was answered first.
    @Test func everythingElseHandsTheConnectionOver() async throws {
        let service = try await RouteTests.Service()
        let platform = "/1.0/environment/control/rest/stopenv?session=\(service.token)"
        let others: [String] = [
            Self.request("POST", "/1.0/environment/control/rest/stopenv", [.contentType: "application/x-www-form-urlencoded"],
                         body: "session=\(service.token)"),
            Self.request("HEAD", platform),
            Self.get(platform, [.connection: "close"]),
            Self.get(platform, version: "HTTP/1.0"),
            Self.get(platform, [.connection: "keep-alive"], version: "HTTP/1.0"),
            Self.get(platform, [.transferEncoding: "chunked"]),
            Self.get("/healthz"), Self.get("/metrics"), Self.get("/1.0/environment/control/stopenv"), Self.get("/authx"),
        ]
        for other in others {
            let harness = try Harness(service.authority)
            let before = service.state.handOverCount
            try harness.send(Self.get(platform) + other + Self.get(platform))
            #expect(try harness.answers().map(\.body) == [#"{"result":0}"#], "\(other)")
            #expect(try harness.handedOver() == other + Self.get(platform))
            #expect(!harness.isInPipeline)
            #expect(service.state.handOverCount == before + 1)
            // Later bytes go straight on.
            try harness.send(Self.get(platform))
            #expect(try harness.answers().isEmpty)
            #expect(try harness.handedOver() == Self.get(platform))
        }
    }

    /// Heads arrive in pieces and several at a time; each is answered once whole, in order.
    @Test func headsAreAnsweredWhateverTheReadsLookLike() async throws {
        let service = try await RouteTests.Service()
        let harness = try Harness(service.authority)
        let allowed = Self.get("/1.0/environment/control/rest/stopenv?session=\(service.token)")
        let denied = Self.get("/1.0/environment/control/rest/startenv?session=\(service.token)")
        let bytes = Array(allowed.utf8)
        for byte in bytes.dropLast() {
            try harness.send([byte])
            #expect(try harness.answers().isEmpty)
        }
        #expect(harness.handler.headsRead == 1, "a head trickling in is read again only once its blank line comes")
        try harness.send([bytes.last!] + Array(denied.utf8) + bytes.prefix(9))
        #expect(try harness.answers().map { String($0.body.prefix(15)) } == [#"{"result":0}"#, #"{"result":8202,"#])
        #expect(harness.handler.headsRead == 4)
        try harness.send(Array(bytes.dropFirst(9)))
        #expect(try harness.answers().map(\.body) == [#"{"result":0}"#])
        #expect(try harness.handedOver().isEmpty)
    }

    /// A head that grows past the reader's limit is not buffered without end: NIO's parser gets it (and its limits).
    @Test func anOverlongHeadIsHandedOver() async throws {
        let service = try await RouteTests.Service()
        let harness = try Harness(service.authority)
        let start = "GET /auth HTTP/1.1\r\nX-Long: "
        try harness.send(start)
        let filler = String(repeating: "a", count: PlainGetRequest.maxHeadLength)
        try harness.send(filler)
        #expect(try harness.answers().isEmpty)
        #expect(try harness.handedOver() == start + filler)
    }

    /// Counts the reads that reach the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    /// A client that sends requests but does not read the answers is not read from while its answers cannot leave.
    @Test func aClientThatDoesNotReadIsNotReadFrom() async throws {
        let service = try await RouteTests.Service()
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(PlainGetHandler(authority: service.authority, serverName: "pat"))
        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = false
        channel.read()
        channel.read()
        #expect(counter.reads == 1, "held back while the answers cannot leave")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2, "one read once they can")
        _ = try? channel.finish()
    }

    @Test func theDateHeaderIsAnIMFFixdate() {
        var parts = tm()
        var seconds = time_t(1_795_000_000)  // 2026-11-18T11:06:40Z, a Wednesday
        gmtime_r(&seconds, &parts)
        #expect(HTTPDate.format(parts) == "Wed, 18 Nov 2026 11:06:40 GMT")
    }
}

/// The server's own child channel: bytes in, bytes out, with no task running. Only the fast path can answer like
/// that (the router needs the connection's task), so this shows it sits in the real pipeline, in front of NIO's
/// parser, which gets the bytes from the first request it does not answer.
@Suite struct ServerPipelineTests {
    @Test func theServersPipelineAnswersHotRoutesOnTheEventLoop() async throws {
        let service = try await RouteTests.Service()
        let channel = EmbeddedChannel()
        let child = PatHTTP1Channel(responder: { _, _, _ in }, authority: service.authority)
        _ = try await child.setup(channel: channel, logger: Logger(label: "test")).get()
        let target = "/1.0/environment/control/rest/stopenv?session=\(service.token)"
        try channel.writeInbound(ByteBuffer(string: "GET \(target) HTTP/1.1\r\nHost: pat\r\n\r\nGET /healthz HTTP/1.1\r\nHost: pat\r\n\r\n"))
        var output = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: buffer) }
        #expect(output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(output.hasSuffix("\r\n\r\n{\"result\":0}"), "one answer, the platform's; /healthz waits for the router")
        #expect(output.contains("Server: pat\r\n"))
        #expect((try? channel.pipeline.syncOperations.handler(type: PlainGetHandler.self)) == nil)
        #expect((try? channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil)
        _ = try? channel.finish()
    }
}

/// Requests that do not keep the connection get `Connection: close`, both on their way to the router (which closes
/// after answering one) and on their response; HTTP/1.0 keep-alive is confirmed.
@Suite struct ConnectionCloseTests {
    static func head(_ version: HTTPVersion, _ headers: [(String, String)] = []) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: version, method: .GET, uri: "/healthz", headers: HTTPHeaders([("Host", "pat")] + headers)))
    }

    /// Sends requests in, answers each with an empty 200, and returns the `Connection` header the router saw and
    /// the one on the response, per request.
    static func exchange(_ requests: [HTTPServerRequestPart]) throws -> [(request: String?, response: String?)] {
        let channel = EmbeddedChannel(handler: ConnectionCloseHandler())
        defer { _ = try? channel.finish() }
        for request in requests {
            try channel.writeInbound(request)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        var seen: [String?] = []
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            if case .head(let head) = part { seen.append(head.headers.first(name: "Connection")) }
        }
        var sent: [String?] = []
        for _ in requests {
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
            guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else { continue }
            sent.append(head.headers.first(name: "Connection"))
            _ = try channel.readOutbound(as: HTTPServerResponsePart.self)
        }
        return zip(seen, sent).map { ($0, $1) }
    }

    @Test func eachResponseSaysWhatHappensToTheConnection() throws {
        let exchanges = try Self.exchange([
            Self.head(.http1_1),
            Self.head(.http1_0, [("Connection", "keep-alive")]),
            Self.head(.http1_0),
            Self.head(.http1_1, [("Connection", "Close")]),
        ])
        #expect(exchanges.map(\.request) == [nil, "keep-alive", "close", "close"])
        #expect(exchanges.map(\.response) == [nil, "keep-alive", "close", "close"])
    }
}
