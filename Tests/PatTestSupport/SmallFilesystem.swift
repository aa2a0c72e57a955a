import Foundation

/// A tiny tmpfs mounted on a temporary folder, for tests of a full disk. Mounting needs root and a kernel that lets
/// this process mount (a container may not): `isAvailable` says whether it works here. Unmounted when released.
public final class SmallFilesystem {
    private let mountPoint = TemporaryDirectory("tmpfs")
    public var path: String { mountPoint.path }

    public init(kilobytes: Int = 64) throws {
        let result = try run("mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0755", "tmpfs", mountPoint.path])
        guard result.status == 0 else { throw MountFailure(message: result.stderr) }
    }

    deinit { _ = try? run("umount", [mountPoint.path]) }

    public func file(_ name: String) -> String { mountPoint.file(name) }

    /// Fills every free block, so that the next write of data fails with ENOSPC (new empty files can still be made).
    public func fill() throws {
        _ = try run("dd", ["if=/dev/zero", "of=\(file(".fill"))", "bs=4096"])
        let probe = try run("dd", ["if=/dev/zero", "of=\(file(".probe"))", "bs=1", "count=1"])
        guard probe.stderr.contains("No space left on device") else { throw MountFailure(message: "tmpfs is not full: \(probe.stderr)") }
        try? FileManager.default.removeItem(atPath: file(".probe"))
    }

    public struct MountFailure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "cannot mount a tmpfs: \(message)" }
    }

    /// Whether a tmpfs can be mounted here (tried once).
    public static let isAvailable: Bool = (try? SmallFilesystem()) != nil
}
