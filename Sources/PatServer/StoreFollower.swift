import Foundation
import Logging
import NIOCore
import NIOPosix
import PatCore
import PatVerifier
import ServiceLifecycle
import UnixSignals

/// Owns the verifier (which is not thread-safe) and serialises every reload. Reloads run on a thread of their
/// own: `pat serve` runs Swift concurrency on its event loops (`EventLoopExecutor`), and a reload of a large change
/// takes seconds, during which requests must keep being answered from the old snapshot.
public actor Reloader {
    /// One thread for every reloader in the process (`pat serve` has one).
    private static let thread = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()
    public nonisolated var unownedExecutor: UnownedSerialExecutor { Self.thread.executor.asUnownedSerialExecutor() }

    private let verifier: StoreVerifier
    private let state: AuthorizationState
    private let logger: Logger

    public init(path: String, trustRoot: TrustRoot, stateFile: String?, state: AuthorizationState, logger: Logger) throws {
        verifier = try StoreVerifier(path: path, trustRoot: trustRoot, stateFile: stateFile)
        self.state = state
        self.logger = logger
    }

    /// Verifies and swaps in the branch's head if it moved; reports a refusal and keeps the old snapshot.
    @discardableResult
    public func reload() -> RefreshOutcome {
        let problemBefore = verifier.status.storeProblem
        let outcome = verifier.refresh()
        let problem = verifier.status.storeProblem
        if problem != problemBefore {
            if let problem {
                logger.error("cannot read the store; still answering from the last verified head", metadata: [
                    "store": .string(verifier.path), "reason": .string(problem),
                    "serving": .string(verifier.current?.commit ?? "nothing")])
            } else {
                logger.info("the store can be read again", metadata: ["store": .string(verifier.path)])
            }
        }
        switch outcome {
        case .unchanged:
            if problem != problemBefore { state.publish(verifier.current?.authorization, status: verifier.status) }
            return outcome
        case .refused(.unreadableStore):
            // Logged above when it began; every poll sees it again until the store is back.
            if problem != problemBefore { state.publish(verifier.current?.authorization, status: verifier.status) }
            return outcome
        case .loaded(let snapshot):
            logger.info("verified store head", metadata: [
                "head": .string(snapshot.commit), "tokens": .stringConvertible(snapshot.tokenCount),
                "seconds": .stringConvertible(verifier.status.lastReloadSeconds)])
            for problem in snapshot.problems {
                logger.warning("token file denied", metadata: ["path": .string(problem.path), "reason": .string(problem.reason)])
            }
        case .refused(let error):
            logger.error("refused store head; still answering from the last verified one", metadata: [
                "refused": .string(verifier.status.lastRefusedHead ?? "-"), "reason": .string(error.description),
                "serving": .string(verifier.current?.commit ?? "nothing")])
        }
        state.publish(verifier.current?.authorization, status: verifier.status)
        return outcome
    }
}

/// Follows the store's branch: a cheap ref check every `interval`, and at once on SIGHUP.
public struct StoreFollower: Service {
    let reloader: Reloader
    let interval: Duration

    public init(reloader: Reloader, interval: Duration = .milliseconds(500)) {
        self.reloader = reloader
        self.interval = interval
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups { await reloader.reload() }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await reloader.reload()
                }
            }
            // Stop following when the service group shuts down (SIGTERM).
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
