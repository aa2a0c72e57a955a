import NIOCore
import NIOPosix

/// Runs Swift concurrency on NIO's event loops, so a request is not handed from an I/O thread to the
/// concurrency pool and back (measured: about half of `pat serve`'s CPU went to those hops).
/// Must be called once, from the main thread, before any task runs.
public enum EventLoopExecutor {
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
