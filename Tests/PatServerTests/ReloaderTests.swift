import NIOCore
import NIOPosix
import Testing
@testable import PatServer

extension Reloader {
    /// The event loop the reloader's own code runs on.
    func currentLoop() -> (any EventLoop)? { MultiThreadedEventLoopGroup.currentEventLoop }
}

/// Reloads run on a thread of their own, never on the event loops that answer requests (which `pat serve` also
/// uses for Swift concurrency), so a long reload does not stall requests.
@Suite struct ReloaderTests {
    @Test func reloadsRunOffTheRequestLoops() async throws {
        let service = try await RouteTests.Service()
        let loop = try #require(await service.reloader.currentLoop())
        for requestLoop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            #expect(requestLoop !== loop)
        }
        guard case .unchanged = await service.reloader.reload() else {
            Issue.record("a store that did not move reloads as unchanged")
            return
        }
    }
}
