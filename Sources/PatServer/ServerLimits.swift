import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many connections `pat serve` keeps and how long it waits on a client.
///
/// Every connection is a file descriptor, and a process that runs out of them does not merely fail an `accept`:
/// libdispatch (which Foundation and Swift's runtime use) aborts the whole process when it cannot open the `/proc`
/// files it watches its threads with, and libgit2 cannot read the store. So the server never lets connections take
/// the descriptors the rest of the process needs: it stops accepting at `connectionCap(...)`, below the open-files
/// limit, and it closes connections that sit idle or whose request never finishes arriving.
public struct ServerLimits: Sendable, Equatable {
    /// Most connections open at once, before the open-files limit lowers it (`connectionCap`).
    public var maxConnections: Int
    /// A connection on which no request is under way and nothing is owed is closed after this long.
    public var idleTimeout: Duration
    /// A request must have arrived whole (its head, and its body if it has one) this long after its first byte, or after
    /// the connection opened for its first request (after the previous answer, for one sent behind it); else
    /// `408 Request Timeout` and the connection is closed.
    public var headerTimeout: Duration

    public static let defaultMaxConnections = 4096
    public static let defaultIdleTimeout: Duration = .seconds(60)
    public static let defaultHeaderTimeout: Duration = .seconds(10)
    /// Descriptors kept free on top of those open when the server starts: the store's files while a head is verified
    /// (libgit2 opens loose objects and packs), the state file, threads' `/proc` files, logs.
    public static let descriptorReserve = 32

    public init(maxConnections: Int = Self.defaultMaxConnections, idleTimeout: Duration = Self.defaultIdleTimeout,
                headerTimeout: Duration = Self.defaultHeaderTimeout) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
    }

    /// The connections allowed at once: `requested`, lowered so that the descriptors in use plus the reserve plus one
    /// per connection stay within `openFilesLimit` (nil: no limit). Never below 1, so that a server started with too
    /// few descriptors still answers, one connection at a time.
    public static func connectionCap(requested: Int, openFilesLimit: Int?, descriptorsInUse: Int,
                                     reserve: Int = descriptorReserve) -> Int {
        guard let openFilesLimit else { return max(1, requested) }
        return max(1, min(requested, openFilesLimit - descriptorsInUse - reserve))
    }
}

/// The process's file descriptors.
public enum OpenFiles {
    /// The soft `RLIMIT_NOFILE` (what `ulimit -n` shows); nil when unlimited or unknown.
    public static func softLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let status = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let infinity = rlim_t.max  // RLIM_INFINITY, which Swift cannot import from glibc
        #else
        let status = getrlimit(RLIMIT_NOFILE, &limit)
        let infinity = RLIM_INFINITY
        #endif
        guard status == 0, limit.rlim_cur != infinity else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// How many descriptors are open now (counted in `/proc/self/fd` or `/dev/fd`, without the one that lists them).
    public static func inUse() -> Int {
        for folder in ["/proc/self/fd", "/dev/fd"] {
            guard let directory = opendir(folder) else { continue }
            defer { closedir(directory) }
            var count = 0
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { count += 1 }
            }
            return max(0, count - 1)
        }
        // Nowhere to list them: count the descriptors fcntl knows, up to the limit.
        let top = min(softLimit() ?? 4096, 65_536)
        return (0..<Int32(top)).filter { fcntl($0, F_GETFD) != -1 }.count
    }
}
