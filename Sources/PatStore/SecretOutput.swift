import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where new token values go: standard output, or a new file only its owner can read (mode 0600). It is opened
/// before the commit, so that a destination that cannot take the values refuses the change while nothing is
/// committed, and written once after it (`Store.deliver`), in one go.
public final class SecretOutput {
    public enum Destination: Sendable, Equatable {
        case standardOutput
        case file(String)
    }

    public let destination: Destination
    private var descriptor: Int32
    /// The file pat created (device and inode), so that `discard` removes that file and no other.
    private let created: (device: UInt64, inode: UInt64)?

    private init(destination: Destination, descriptor: Int32, created: (device: UInt64, inode: UInt64)?) {
        self.destination = destination
        self.descriptor = descriptor
        self.created = created
    }

    deinit { close() }

    /// How error messages name the destination: "standard output" or the file's path.
    public var name: String {
        switch destination {
        case .standardOutput: "standard output"
        case .file(let path): path
        }
    }

    /// Opens the destination before anything is committed: `path`, or standard output when it is nil.
    /// The standard descriptors are reserved first (`StandardStreams.prepare`), so the file can never become fd 1.
    public static func open(file path: String?) throws -> SecretOutput {
        let closed = StandardStreams.prepare()
        if let path { return try createFile(path) }
        if closed.contains(STDOUT_FILENO) { throw StoreError.standardOutputClosed }
        let flags = fcntl(STDOUT_FILENO, F_GETFL)
        guard flags >= 0 else { throw StoreError.standardOutputClosed }
        guard flags & O_ACCMODE != O_RDONLY else { throw StoreError.standardOutputNotWritable }
        return SecretOutput(destination: .standardOutput, descriptor: STDOUT_FILENO, created: nil)
    }

    /// A new file: never over an existing file and never through a symbolic link (O_EXCL | O_NOFOLLOW), mode 0600.
    static func createFile(_ path: String) throws -> SecretOutput {
        guard !path.isEmpty else { throw StoreError.outputEmpty }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw refusal(path, errno: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            unlink(path)
            throw StoreError.outputFailed(path, reason)
        }
        // The umask may have taken bits away; it cannot have added any, but say 0600 exactly.
        fchmod(descriptor, 0o600)
        return SecretOutput(destination: .file(path), descriptor: descriptor,
                            created: (UInt64(info.st_dev), UInt64(info.st_ino)))
    }

    /// Why open() refused `path`, in words: what is there, or what is missing.
    static func refusal(_ path: String, errno code: Int32) -> StoreError {
        let folder = (path as NSString).deletingLastPathComponent
        var info = stat()
        switch code {
        case EEXIST:
            guard lstat(path, &info) == 0 else { return .outputExists(path) }
            switch info.st_mode & S_IFMT {
            case S_IFLNK: return .outputIsLink(path)
            case S_IFDIR: return .outputIsFolder(path)
            default: return .outputExists(path)
            }
        case ELOOP:
            return .outputIsLink(path)
        case EISDIR:
            return .outputIsFolder(path)
        case ENOENT:
            return .outputFailed(path, "the folder \(folder.isEmpty ? "." : folder) does not exist")
        case ENOTDIR:
            return .outputFailed(path, "\(folder) is not a folder")
        case EACCES:
            return .outputFailed(path, "no permission to create a file in \(folder.isEmpty ? "." : folder)")
        default:
            return .outputFailed(path, String(cString: strerror(code)))
        }
    }

    /// Why a write after the commit failed, as the system says it ("No space left on device", "Broken pipe").
    public struct WriteFailure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Writes all of `text` and makes it durable where that means something: fsync for a file (and the folder that
    /// holds a new one); a pipe or terminal has nothing to sync.
    public func write(_ text: String) throws {
        try Self.writeAll(Array(text.utf8), to: descriptor)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw WriteFailure(reason: String(cString: strerror(errno))) }
        if info.st_mode & S_IFMT == S_IFREG {
            try Self.sync(descriptor)
        }
        if case .file(let path) = destination {
            let folder = (path as NSString).deletingLastPathComponent
            let directory = Glibc.open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                defer { Glibc.close(directory) }
                try Self.sync(directory)
            }
            guard Glibc.close(descriptor) == 0 else {
                descriptor = -1
                throw WriteFailure(reason: String(cString: strerror(errno)))
            }
            descriptor = -1
        }
    }

    /// Closes the destination; a file pat created is removed: nothing was committed, or the values in it died.
    public func discard() {
        close()
        guard case .file(let path) = destination, let created else { return }
        var info = stat()
        if lstat(path, &info) == 0, UInt64(info.st_dev) == created.device, UInt64(info.st_ino) == created.inode {
            unlink(path)
        }
    }

    private func close() {
        if descriptor > STDERR_FILENO { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// One write of everything, continued after a signal or a short write; a non-blocking descriptor is waited for.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if result > 0 {
                written += result
                continue
            }
            if result < 0 && errno == EINTR { continue }
            if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, -1)
                continue
            }
            throw WriteFailure(reason: result == 0 ? "nothing could be written" : String(cString: strerror(errno)))
        }
    }

    static func sync(_ descriptor: Int32) throws {
        // EINVAL / ENOTSUP: the descriptor does not support syncing (a special file); nothing to make durable.
        guard fsync(descriptor) == 0 || errno == EINVAL || errno == ENOTSUP else {
            throw WriteFailure(reason: String(cString: strerror(errno)))
        }
    }
}

/// The three standard descriptors, made safe to write values to.
public enum StandardStreams {
    /// Ignores SIGPIPE, so that a reader that has gone makes write() fail with EPIPE (and the token is removed
    /// again) instead of killing pat between the commit and its undo. Returns `closedAtStart`.
    @discardableResult
    public static func prepare() -> Set<Int32> {
        signal(SIGPIPE, SIG_IGN)
        return closedAtStart
    }

    /// The descriptors among 0, 1 and 2 that pat was started without. A descriptor inherited across exec never has
    /// FD_CLOEXEC set, so one that has it was opened inside this process into a free slot: on Linux the Swift
    /// runtime's libdispatch takes the lowest free descriptor for an eventfd before any of pat's code runs, and it
    /// must never be written to. One still free is taken by /dev/null, opened the wrong way round (0 for writing,
    /// 1 and 2 for reading), so that no file pat opens later becomes fd 1 and using it still fails as it would have.
    public static let closedAtStart: Set<Int32> = {
        var closed = Set<Int32>()
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            let flags = fcntl(descriptor, F_GETFD)
            if flags < 0 && errno == EBADF {
                let opened = Glibc.open("/dev/null", descriptor == STDIN_FILENO ? O_WRONLY : O_RDONLY)
                if opened >= 0 && opened != descriptor {
                    dup2(opened, descriptor)
                    Glibc.close(opened)
                }
                closed.insert(descriptor)
            } else if flags >= 0 && flags & FD_CLOEXEC != 0 {
                closed.insert(descriptor)
            }
        }
        return closed
    }()

    /// All of `bytes` to standard output in one checked write (never to a descriptor pat was started without).
    public static func writeToStandardOutput(_ bytes: [UInt8]) throws {
        guard !prepare().contains(STDOUT_FILENO) else { throw SecretOutput.WriteFailure(reason: String(cString: strerror(EBADF))) }
        try SecretOutput.writeAll(bytes, to: STDOUT_FILENO)
    }

    /// Whether stderr is the stream pat was started with (writing to it cannot disturb anything else).
    public static var standardErrorIsOpen: Bool { !closedAtStart.contains(STDERR_FILENO) }
}
