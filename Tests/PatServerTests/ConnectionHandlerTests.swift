import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import PatServer

#if canImport(Glibc)
import Glibc
#endif

/// The connection cap's arithmetic.
@Suite struct ServerLimitsTests {
    @Test func theCapLeavesRoomUnderTheOpenFilesLimit() {
        #expect(ServerLimits.connectionCap(requested: 4096, openFilesLimit: 1024, descriptorsInUse: 20) == 1024 - 20 - 32)
        #expect(ServerLimits.connectionCap(requested: 100, openFilesLimit: 1024, descriptorsInUse: 20) == 100)
        #expect(ServerLimits.connectionCap(requested: 4096, openFilesLimit: 64, descriptorsInUse: 20) == 12)
        #expect(ServerLimits.connectionCap(requested: 4096, openFilesLimit: 40, descriptorsInUse: 20) == 1, "never below one")
        #expect(ServerLimits.connectionCap(requested: 4096, openFilesLimit: nil, descriptorsInUse: 20) == 4096)
    }

    /// Other tests open and close files meanwhile (the suite runs in parallel), so the count is checked over 200
    /// descriptors with room for their noise, not to the one.
    @Test func descriptorsAreCounted() throws {
        let before = OpenFiles.inUse()
        let descriptors = (0..<200).map { _ in open("/dev/null", O_RDONLY) }
        defer { descriptors.forEach { close($0) } }
        #expect(descriptors.allSatisfy { $0 >= 0 })
        let grown = OpenFiles.inUse() - before
        #expect((180...220).contains(grown), "counted \(grown) new descriptors for 200")
        #expect(OpenFiles.softLimit().map { $0 > before } ?? true)
    }
}

/// The listening socket's guard, in a channel of its own: accepted connections come in as reads, and what it lets
/// through to the socket is counted.
@Suite struct AcceptGuardTests {
    /// Counts the reads (accepts) that reach the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Never
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    /// Records the errors that get past the guard (Hummingbird's accept loop ends at the first).
    final class ErrorRecorder: ChannelInboundHandler {
        typealias InboundIn = Never
        var errors: [any Error] = []
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append(error) }
    }

    struct Harness {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let counter = ReadCounter()
        let recorder = ErrorRecorder()
        let stats = ConnectionStats()
        let guardHandler: AcceptGuard

        init(cap: Int) throws {
            channel = EmbeddedChannel(loop: loop)
            guardHandler = AcceptGuard(cap: cap, stats: stats, logger: .init(label: "test"))
            try channel.pipeline.syncOperations.addHandler(counter)
            try channel.pipeline.syncOperations.addHandler(guardHandler)
            try channel.pipeline.syncOperations.addHandler(recorder)
        }

        /// A connection accepted.
        func accept() throws -> EmbeddedChannel {
            let child = EmbeddedChannel(loop: loop)
            channel.pipeline.fireChannelRead(child as any Channel)
            return child
        }
    }

    @Test func atTheCapItStopsAcceptingUntilAConnectionCloses() throws {
        let harness = try Harness(cap: 2)
        #expect(harness.counter.reads == 1, "it starts accepting when added")
        let first = try harness.accept()
        _ = try harness.accept()
        harness.channel.read()
        #expect(harness.counter.reads == 1, "held at two open connections")
        #expect(harness.stats.current.open == 2)
        #expect(harness.stats.current.pausedAtCap == 1)
        // A third accepted in the same wake-up is closed at once.
        let third = try harness.accept()
        #expect(!third.isActive || (try? third.closeFuture.wait()) != nil)
        #expect(harness.stats.current.closedAtCap == 1)
        _ = try? first.close().wait()
        harness.loop.run()
        #expect(harness.counter.reads == 2, "one closed: the held accept goes ahead")
        #expect(harness.stats.current.open == 1)
    }

    @Test func outOfDescriptorsItPausesInsteadOfEnding() throws {
        let harness = try Harness(cap: 100)
        #expect(harness.counter.reads == 1)
        harness.channel.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
        #expect(harness.recorder.errors.isEmpty, "the error does not reach the accept loop")
        harness.channel.read()
        #expect(harness.counter.reads == 1, "paused")
        harness.loop.advanceTime(by: .milliseconds(49))
        #expect(harness.counter.reads == 1)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(harness.counter.reads == 2, "accepting again after 50 ms")
        // Failing again: the pause doubles.
        harness.channel.pipeline.fireErrorCaught(IOError(errnoCode: ENFILE, reason: "accept"))
        harness.channel.read()
        harness.loop.advanceTime(by: .milliseconds(99))
        #expect(harness.counter.reads == 2)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(harness.counter.reads == 3)
        // A client gone before it was accepted is no reason to pause; other errors go on as before.
        harness.channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNABORTED, reason: "accept"))
        harness.channel.read()
        #expect(harness.counter.reads == 4)
        harness.channel.pipeline.fireErrorCaught(IOError(errnoCode: EBADF, reason: "accept"))
        #expect(harness.recorder.errors.count == 1)
        #expect(harness.stats.current.acceptErrors == 3)
    }
}

/// The connection's timer, in a channel of its own on an embedded loop whose clock the test moves.
@Suite struct ConnectionTimeoutTests {
    struct Harness {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let stats = ConnectionStats()

        init(idle: TimeAmount = .seconds(60), header: TimeAmount = .seconds(10)) throws {
            channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(
                ConnectionTimeoutHandler(idleTimeout: idle, headerTimeout: header, stats: stats, serverName: "pat"))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        func progress(_ event: RequestProgress) {
            channel.pipeline.triggerUserOutboundEvent(event, promise: nil)
        }

        func output() throws -> String {
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
    }

    @Test func aConnectionThatSendsNothingGetsTheHeaderTimeout() throws {
        let harness = try Harness()
        harness.loop.advanceTime(by: .seconds(9))
        #expect(harness.channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        #expect(!harness.channel.isActive)
        #expect(try harness.output().hasPrefix("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"))
        #expect(harness.stats.current.headerTimeouts == 1)
    }

    @Test func noTimerRunsWhileAnAnswerIsOwed() throws {
        let harness = try Harness(idle: .seconds(5), header: .seconds(2))
        try harness.channel.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.0\r\n\r\n"))
        harness.progress(.requestEnded)
        harness.loop.advanceTime(by: .seconds(120))
        #expect(harness.channel.isActive, "the server is answering: not the client's fault")
        harness.progress(.responseEnded)
        harness.loop.advanceTime(by: .seconds(4))
        #expect(harness.channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        #expect(!harness.channel.isActive, "closed once idle")
        #expect(try harness.output().isEmpty, "no 408 for an idle connection")
        #expect(harness.stats.current.idleTimeouts == 1)
    }

    @Test func aRequestHasTheHeaderTimeoutFromItsFirstByte() throws {
        let harness = try Harness(idle: .seconds(60), header: .seconds(2))
        try harness.channel.writeInbound(ByteBuffer(string: "GET /auth HTTP/1.1\r\n\r\n"))
        harness.progress(.answered(1))
        harness.loop.advanceTime(by: .seconds(30))
        #expect(harness.channel.isActive, "idle, within the idle timeout")
        for _ in 0..<19 {
            try harness.channel.writeInbound(ByteBuffer(string: "X"))
            harness.loop.advanceTime(by: .milliseconds(100))
        }
        #expect(harness.channel.isActive)
        try harness.channel.writeInbound(ByteBuffer(string: "X"))
        harness.loop.advanceTime(by: .milliseconds(100))
        #expect(!harness.channel.isActive, "two seconds after its first byte, however many came since")
        #expect(try harness.output().hasPrefix("HTTP/1.1 408 "))
    }

    @Test func aRequestSentBehindAnotherHasTheHeaderTimeoutFromTheAnswer() throws {
        let harness = try Harness(idle: .seconds(60), header: .seconds(2))
        try harness.channel.writeInbound(ByteBuffer(string: "POST /v1/authorize ...GET /partial"))
        harness.progress(.requestEnded)
        harness.progress(.requestStarted)
        harness.loop.advanceTime(by: .seconds(10))
        #expect(harness.channel.isActive)
        harness.progress(.responseEnded)
        harness.loop.advanceTime(by: .milliseconds(1_999))
        #expect(harness.channel.isActive)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(!harness.channel.isActive)
    }
}

/// `Expect` behind NIO's parser.
@Suite struct RequestFlowTests {
    static func head(_ headers: [(String, String)], version: HTTPVersion = .http1_1) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: version, method: .POST, uri: "/v1/authorize", headers: HTTPHeaders([("Host", "pat")] + headers)))
    }

    static func statuses(_ channel: EmbeddedChannel) throws -> [UInt] {
        var statuses: [UInt] = []
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .head(let head) = part { statuses.append(head.status.code) }
        }
        return statuses
    }

    @Test func continueGoesOutOnceEarlierAnswersHave() throws {
        let channel = EmbeddedChannel(handler: RequestFlowHandler(stats: nil))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(Self.head([("Expect", "100-continue")]))
        #expect(try Self.statuses(channel) == [100], "at once when nothing else is owed")
        guard case .head(let passed) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
            Issue.record("the request goes on to the router")
            return
        }
        #expect(passed.headers["Expect"].isEmpty)
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        // A second request sent behind the first, still unanswered: its 100 waits for the first's answer.
        try channel.writeInbound(Self.head([("Expect", "100-Continue"), ("Content-Length", "2")]))
        #expect(try Self.statuses(channel).isEmpty)
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(try Self.statuses(channel) == [200, 100])
        // HTTP/1.0 expectations are ignored.
        try channel.writeInbound(Self.head([("Expect", "100-continue")], version: .http1_0))
        #expect(try Self.statuses(channel).isEmpty)
    }

    @Test func otherExpectationsAreRefused() throws {
        let channel = EmbeddedChannel(handler: RequestFlowHandler(stats: nil))
        try channel.writeInbound(Self.head([("Expect", "100-continue, x-more")]))
        #expect(try Self.statuses(channel) == [417])
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil, "the router never sees it")
        #expect(!channel.isActive)
    }
}
