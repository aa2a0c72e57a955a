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

/// The event-loop fast path: it must answer exactly as the router does, leave everything else to the router, and
/// never let a response overtake an earlier one on the same connection.
@Suite struct FastPathTests {
    /// A fast-path handler in a channel of its own: requests go in, its answers come out, what it passes on is read
    /// from the inbound end.
    struct Harness {
        let channel = EmbeddedChannel()

        init(_ authority: Authority) throws {
            try channel.pipeline.syncOperations.addHandler(FastPathHandler(authority: authority, serverName: "pat"))
        }

        func send(_ request: HTTPRequestHead, body: String? = nil) throws {
            try channel.writeInbound(HTTPServerRequestPart.head(request))
            if let body { try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body))) }
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        /// The response the handler wrote, if any: head and body.
        func answer() throws -> (HTTPResponseHead, String)? {
            guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
            var body = ""
            while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
                if case .body(.byteBuffer(let buffer)) = part { body += String(buffer: buffer) }
                if case .end = part { break }
            }
            return (head, body)
        }

        /// The requests the handler passed on to the router, by their targets.
        func passedOn() throws -> [String] {
            var targets: [String] = []
            while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
                if case .head(let request) = part { targets.append(request.uri) }
            }
            return targets
        }

        /// The router finishing a response: it passes the handler on its way out.
        func routerResponds() throws {
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
            while try channel.readOutbound(as: HTTPServerResponsePart.self) != nil {}
        }
    }

    static func get(_ target: String, _ headers: HTTPFields = [:], version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        request(.GET, target, headers, version: version)
    }

    static func request(_ method: NIOHTTP1.HTTPMethod, _ target: String, _ headers: HTTPFields = [:],
                        version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: target,
                        headers: HTTPHeaders([("Host", "pat")] + headers.map { ($0.name.rawName, $0.value) }))
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
        var fast: [(HTTPResponseHead, String)] = []
        for (target, headers) in requests {
            try harness.send(Self.get(target, headers))
            fast.append(try #require(try harness.answer(), "the fast path answers \(target)"))
        }
        #expect(try harness.passedOn().isEmpty)
        let answers = fast
        try await service.app.test(.router) { client in
            for ((target, headers), (head, body)) in zip(requests, answers) {
                try await client.execute(uri: target, method: .get, headers: headers) { response in
                    #expect(Int(head.status.code) == response.status.code, "\(target)")
                    #expect(body == String(buffer: response.body), "\(target)")
                    for name in ["Content-Type", "X-Pat-Result", "X-Pat-Response", "X-Pat-Error", "X-Pat-Permission", "X-Pat-Token-Id"] {
                        #expect(head.headers.first(name: name) == response.headers[HTTPField.Name(name)!], "\(target): \(name)")
                    }
                }
            }
        }
        #expect(fast[0].0.headers.first(name: "Content-Length") == String(fast[0].1.utf8.count))
        #expect(fast[0].0.headers.first(name: "Server") == "pat")
        #expect(fast[0].0.headers.first(name: "Date")?.hasSuffix(" GMT") == true)
    }

    @Test func everythingElseGoesToTheRouter() async throws {
        let service = try await RouteTests.Service()
        let harness = try Harness(service.authority)
        let platform = "/1.0/environment/control/rest/stopenv?session=\(service.token)"
        let others: [HTTPRequestHead] = [
            Self.request(.POST, "/1.0/environment/control/rest/stopenv", [.contentType: "application/x-www-form-urlencoded"]),
            Self.request(.HEAD, platform),
            Self.get(platform, [.connection: "close"]),
            Self.get(platform, version: .http1_0),
            Self.get("/healthz"), Self.get("/metrics"), Self.get("/1.0/environment/control/stopenv"), Self.get("/authx"),
        ]
        for request in others {
            try harness.send(request, body: request.method == .POST ? "session=\(service.token)" : nil)
            #expect(try harness.answer() == nil, "\(request.uri)")
            #expect(try harness.passedOn() == [request.uri])
            try harness.routerResponds()
        }
        // HTTP/1.0 asking to keep the connection is answered, in HTTP/1.0.
        try harness.send(Self.get(platform, [.connection: "keep-alive"], version: .http1_0))
        #expect(try harness.answer()?.0.version == .http1_0)
    }

    /// While the router still owes a response, a hot-route request waits its turn behind it (it goes to the router
    /// too), so responses leave in the order the requests came.
    @Test func aResponseNeverOvertakesAnEarlierOne() async throws {
        let service = try await RouteTests.Service()
        let harness = try Harness(service.authority)
        let platform = "/1.0/environment/control/rest/stopenv?session=\(service.token)"
        try harness.send(Self.get("/healthz"))
        try harness.send(Self.get(platform))
        #expect(try harness.answer() == nil)
        #expect(try harness.passedOn() == ["/healthz", platform])
        try harness.routerResponds()
        try harness.send(Self.get(platform))
        #expect(try harness.answer() == nil, "one response is still owed")
        #expect(try harness.passedOn() == [platform])
        try harness.routerResponds()
        try harness.routerResponds()
        try harness.send(Self.get(platform))
        #expect(try harness.answer()?.1 == #"{"result":0}"#, "nothing is owed: the fast path answers again")
        #expect(try harness.passedOn().isEmpty)
    }

    @Test func theDateHeaderIsAnIMFFixdate() {
        var parts = tm()
        var seconds = time_t(1_795_000_000)  // 2026-11-18T11:06:40Z, a Wednesday
        gmtime_r(&seconds, &parts)
        #expect(HTTPDate.format(parts) == "Wed, 18 Nov 2026 11:06:40 GMT")
    }
}

/// The server's own child channel: bytes in, bytes out, with no task running. Only the fast path can answer like
/// that (the router needs the connection's task), so this shows it sits in the real pipeline.
@Suite struct ServerPipelineTests {
    @Test func theServersPipelineAnswersHotRoutesOnTheEventLoop() async throws {
        let service = try await RouteTests.Service()
        let channel = EmbeddedChannel()
        let child = PatHTTP1Channel(responder: { _, _, _ in }, authority: service.authority)
        _ = try child.setup(channel: channel, logger: Logger(label: "test")).wait()
        let target = "/1.0/environment/control/rest/stopenv?session=\(service.token)"
        try channel.writeInbound(ByteBuffer(string: "GET \(target) HTTP/1.1\r\nHost: pat\r\n\r\nGET /healthz HTTP/1.1\r\nHost: pat\r\n\r\n"))
        var output = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: buffer) }
        #expect(output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(output.hasSuffix("\r\n\r\n{\"result\":0}"), "one answer, the platform's; /healthz waits for the router")
        #expect(output.contains("Server: pat\r\n"))
        _ = try? channel.finish()
    }
}

@Suite struct TokenExtractionTests {
    @Test(arguments: [
        ("/1.0/a/b/rest/c?session=abc", "abc"),
        ("/1.0/a/b/rest/c?envName=x&session=abc&z=1", "abc"),
        ("/1.0/a/b/rest/c?sessionx=1&session=abc", "abc"),
        ("/1.0/a/b/rest/c?session=a%5Fb", "a_b"),
        ("/1.0/a/b/rest/c?session=a+b", "a b"),
        ("/1.0/a/b/rest/c?%73ession=abc", "abc"),
        ("/1.0/a/b/rest/c?session=", ""),
        ("/1.0/a/b/rest/c?session", nil),
        ("/1.0/a/b/rest/c?envName=session", nil),
        ("/1.0/a/b/rest/c", nil),
        ("/1.0/a/b/rest/c?", nil),
        ("/1.0/a/b/rest/c?session=%zz", nil),
    ] as [(String, String?)])
    func theSessionParameterIsReadFromTheQuery(target: String, value: String?) {
        #expect(TokenExtraction.queryValue("session", in: target) == value)
    }

    @Test func formBodiesAreReadTheSameWay() {
        #expect(TokenExtraction.formValue("session", in: "envName=x&session=abc"[...]) == "abc")
        #expect(TokenExtraction.formValue("session", in: "envName=x"[...]) == nil)
    }
}
