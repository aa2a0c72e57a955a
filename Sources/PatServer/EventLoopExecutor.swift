import NIOCore
import NIOPosix

/// Runs Swift concurrency on NIO's event loops, so a request is not handed from an I/O thread to the
/// concurrency pool and back (measured: about half of `pat serve`'s CPU went to those hops).
/// Must be called once, from the main thread, before any task runs.
public enum EventLoopExecutor {
    /// Installs NIO's shared event loops, `threads` of them (default: one per core), as the global executor.
    @discardableResult
    public static func install(threads: Int? = nil) -> Bool {
        if let threads { NIOSingletons.groupLoopCountSuggestion = threads }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
