import Foundation
import PatCore
import PatTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `pat serve` against clients that do not behave: heads that never end or trickle in, connections left
/// idle, more connections than it may hold or than it has descriptors for, `Expect`. Timeouts are short through the
/// options; every wait has a generous deadline and nothing is asserted about speed.
@Suite(.serialized) struct ConnectionLimitTests {
    typealias Served = GatewayTests.Served

    static let stopEnv = "/1.0/environment/control/rest/stopenv?envName=x&session="

    static func get(_ target: String, _ extra: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: pat\r\n\(extra)\r\n"
    }

    /// One whole response (head and Content-Length body) at the start of `text`.
    static func isWholeResponse(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[end.upperBound...].utf8.count >= length
    }

    func metric(_ served: Served, _ name: String) throws -> Int? {
        let (_, body) = try curl(served.base + "/metrics")
        return body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return false
    }

    /// A head that stops before its blank line, on the fast path (GET /auth), on the router's path (HTTP/1.0 goes to
    /// NIO's parser), and a body that never comes: each is answered 408 and closed once the header timeout passes.
    @Test func aRequestThatNeverArrivesWholeIsAnswered408AndClosed() throws {
        let served = try Served(arguments: ["--header-timeout", "0.5"])
        let starts = [
            "GET /auth HTTP/1.1\r\nHost: pat\r\nX-Original-URI: /1.0/a/b/rest/c\r\n",
            "GET /healthz HTTP/1.0\r\nHost: pat\r\n",
            "POST /v1/authorize HTTP/1.1\r\nHost: pat\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"tok",
            "",
        ]
        for start in starts {
            let connection = try RawConnection(port: served.port)
            if !start.isEmpty { try connection.send(start) }
            #expect(connection.waitForClose(seconds: 20), "closed: \(start.debugDescription)")
            #expect(connection.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(start.debugDescription): \(connection.text)")
        }
        #expect(try curl(served.base + Self.stopEnv + served.token).body == #"{"result":0}"#)
        let (_, metrics) = try curl(served.base + "/metrics")
        #expect(metrics.contains("pat_connections_timed_out_total{timeout=\"header\"} 4\n"), "\(metrics)")
        #expect(served.server.stop() == 0)
    }

    /// A head sent a byte every 50 ms, never finished: cut off (before, it was read for as long as bytes came).
    @Test func aHeadTricklingInIsCutOff() throws {
        let served = try Served(arguments: ["--header-timeout", "1"])
        for start in ["GET /auth HTTP/1.1\r\nHost: pat\r\nX-Slow: ", "POST /v1/authorize HTTP/1.1\r\nHost: pat\r\nX-Slow: "] {
            let connection = try RawConnection(port: served.port)
            try connection.send(start)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, !connection.isClosedByServer {
                _ = try? connection.send("a")
                connection.receive(seconds: 0.05)
            }
            #expect(connection.isClosedByServer, "the trickling head \(start.debugDescription) was cut off")
            #expect(connection.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(connection.text)")
        }
        #expect(served.server.stop() == 0)
    }

    /// Keep-alive connections that stay idle after their answers are closed, on both paths; one in use is not.
    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let served = try Served(arguments: ["--idle-timeout", "0.5"])
        for target in [Self.stopEnv + served.token, "/healthz"] {
            let connection = try RawConnection(port: served.port)
            try connection.send(Self.get(target))
            connection.receive(seconds: 20, until: Self.isWholeResponse)
            #expect(connection.text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(connection.text)")
            #expect(!connection.isClosedByServer, "kept alive after the answer")
            #expect(connection.waitForClose(seconds: 20), "\(target) closed once idle")
            #expect(connection.text.hasPrefix("HTTP/1.1 200 OK\r\n") && !connection.text.contains("408"), "no 408 for an idle connection")
        }
        let (_, metrics) = try curl(served.base + "/metrics")
        #expect(metrics.contains("pat_connections_timed_out_total{timeout=\"idle\"} 2\n"), "\(metrics)")
        #expect(served.server.stop() == 0)
    }

    /// At `--max-connections` the server stops accepting: a further client waits (in the listen queue) and is served
    /// once a connection closes. Many more clients than that do no harm.
    @Test func connectionsBeyondTheCapWaitAndTheServerStaysUp() throws {
        let served = try Served(arguments: ["--max-connections", "4", "--idle-timeout", "600"])
        #expect(served.server.stderr.contains("pat serve: at most 4 connections at once"), "\(served.server.stderr)")
        var held: [RawConnection] = []
        for _ in 0..<4 {
            let connection = try RawConnection(port: served.port)
            try connection.send(Self.get(Self.stopEnv + served.token))
            connection.receive(seconds: 20, until: Self.isWholeResponse)
            #expect(connection.text.hasSuffix(#"{"result":0}"#))
            held.append(connection)
        }
        let waiting = try RawConnection(port: served.port)
        try waiting.send(Self.get(Self.stopEnv + served.token))
        // Not accepted while the four stay open (a wait that can only make this pass, never fail, on a slow machine).
        #expect(!waiting.readable(within: 0.5), "a fifth connection is not served while four are open")
        held.removeFirst()
        waiting.receive(seconds: 20, until: Self.isWholeResponse)
        #expect(waiting.text.hasSuffix(#"{"result":0}"#), "served once one of the four closed: \(waiting.text)")

        // Forty more clients than it may hold, each sending a request: the server lives and serves them in turn as
        // room frees (each client closes its end once answered; the server has closed its own).
        var crowd = try (0..<40).map { _ in try RawConnection(port: served.port) }
        for connection in crowd { try connection.send(Self.get(Self.stopEnv + served.token, "Connection: close\r\n")) }
        held.removeAll()
        while !crowd.isEmpty {
            let connection = crowd.removeFirst()
            #expect(connection.waitForClose(seconds: 30))
            #expect(connection.text.hasSuffix(#"{"result":0}"#), "\(connection.text)")
        }
        #expect(served.server.process.isRunning)
        let (_, metrics) = try curl(served.base + "/metrics")
        #expect(metrics.contains("pat_connection_limit 4\n"))
        #expect(try metric(served, "pat_connection_limit_reached_total").map { $0 >= 1 } == true)
        #expect(served.server.stop() == 0)
    }

    /// Under `ulimit -n 64`, many more idle connections than descriptors: before, the process died (SIGILL in
    /// libdispatch, which aborts when it cannot open its /proc files) once accepts had used them all. Now the cap
    /// leaves room, the server lives, and answers once the crowd leaves.
    @Test func aLowOpenFilesLimitDoesNotKillTheServer() throws {
        let served = try Served(arguments: ["--idle-timeout", "600"], openFiles: 64)
        let cap = try #require(served.server.stderr.components(separatedBy: "pat serve: at most ").dropFirst().first
            .flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(cap < 64 - 20, "the cap leaves room under the open-files limit")
        var crowd: [RawConnection] = []
        for index in 0..<200 {
            let connection = try RawConnection(port: served.port)
            if index % 2 == 0 { try connection.send("GET /auth HTTP/1.1\r\nHost: pat\r\n") }
            crowd.append(connection)
        }
        // Give the server time to accept what it can and to look at its store a few times meanwhile.
        let died = wait(seconds: 3) { !served.server.process.isRunning }
        #expect(!died, "pat serve is still running with 200 connections open: \(served.server.stderr.suffix(2000))")
        crowd.removeAll()
        let back = wait(seconds: 30) { (try? curl(served.base + "/healthz"))?.status == 200 }
        #expect(back, "answers once the connections closed")
        #expect(try curl(served.base + Self.stopEnv + served.token).body == #"{"result":0}"#)
        #expect(served.server.stderr.contains("Too many open files") == false, "\(served.server.stderr.suffix(2000))")
        #expect(served.server.stop() == 0)
    }

    /// `Expect: 100-continue` gets `100 Continue` before the body is sent; another expectation gets 417 and the end.
    @Test func expectContinueIsAnsweredAtOnce() throws {
        let served = try Served()
        let body = #"{"token":"\#(served.token)","method":"environment.Control.StopEnv"}"#
        let connection = try RawConnection(port: served.port)
        try connection.send("POST /v1/authorize HTTP/1.1\r\nHost: pat\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        connection.receive(seconds: 10) { $0.contains("\r\n\r\n") }
        #expect(connection.text == "HTTP/1.1 100 Continue\r\n\r\n")
        try connection.send(body)
        connection.receive(seconds: 20) { $0.contains("}") }
        #expect(connection.text.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), "\(connection.text)")
        #expect(connection.text.hasSuffix(#""permission":"environment.Control.StopEnv"}"#), "\(connection.text)")

        let refused = try RawConnection(port: served.port)
        try refused.send("POST /v1/authorize HTTP/1.1\r\nHost: pat\r\nContent-Length: 2\r\nExpect: something-else\r\n\r\n")
        #expect(refused.waitForClose(seconds: 20))
        #expect(refused.text.hasPrefix("HTTP/1.1 417 Expectation Failed\r\n"), "\(refused.text)")
        #expect(served.server.stop() == 0)
    }

    /// The store's folder renamed away: /healthz says so (503, naming the path) while the last verified snapshot keeps
    /// answering; renamed back, healthy again.
    @Test func aStoreThatDisappearsIsReported() throws {
        let served = try Served(pollInterval: 100)
        let store = served.fixture.store.path
        let moved = store + ".moved"
        #expect(rename(store, moved) == 0)
        defer { _ = rename(moved, store) }
        let reported = try wait(seconds: 20) {
            let (status, body) = try curl(served.base + "/healthz")
            return status == 503 && body.contains(#""status":"store_unreadable""#) && body.contains(store)
        }
        let health = try curl(served.base + "/healthz")
        #expect(reported, "\(health)")
        #expect(health.body.contains(#""store_error":"cannot read the store at \#(store): No such file or directory""#), "\(health)")
        #expect(try curl(served.base + Self.stopEnv + served.token).body == #"{"result":0}"#, "the last snapshot answers")
        #expect(try metric(served, "pat_store_readable") == 0)
        let refusedHeads = try metric(served, "pat_refused_heads_total")
        #expect(refusedHeads == 0, "a missing store is no refused head")

        #expect(rename(moved, store) == 0)
        let recovered = try wait(seconds: 20) {
            let (status, body) = try curl(served.base + "/healthz")
            return status == 200 && body.contains(#""status":"ok""#) && !body.contains("store_error")
        }
        let healthAgain = try curl(served.base + "/healthz")
        #expect(recovered, "\(healthAgain)")
        #expect(try metric(served, "pat_store_readable") == 1)
        // Reported once when it went and once when it came back, not on every look.
        #expect(served.server.stderr.components(separatedBy: "cannot read the store; still answering").count == 2, "\(served.server.stderr)")
        #expect(served.server.stderr.contains("the store can be read again"))
        #expect(served.server.stop() == 0)
    }
}
