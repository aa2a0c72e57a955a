import CLibGit2

/// A libgit2 failure: what pat was doing, libgit2's code and its message.
public struct GitError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String
    public let message: String
    /// libgit2's error class (GIT_ERROR_ODB, GIT_ERROR_ZLIB, ...), 0 when it set none.
    public let errorClass: Int32

    public init(code: Int32, operation: String, message: String, errorClass: Int32 = 0) {
        self.code = code
        self.operation = operation
        self.message = message
        self.errorClass = errorClass
    }

    public var description: String {
        "git \(operation) failed: \(message)" + (isDamagedObject && !message.contains("git fsck") ? Self.damageAdvice : "")
    }

    /// An object the store itself refers to could not be read: a damaged or cut pack, a missing index or object.
    /// (Loose objects get their own message from pat's reader.)
    public var isDamagedObject: Bool {
        operation.hasPrefix("read ") && [GIT_ERROR_ODB.rawValue, GIT_ERROR_ZLIB.rawValue].contains(UInt32(bitPattern: errorClass))
    }

    static let damageAdvice = " (the store's objects are damaged or missing: git fsck lists what is wrong; restore them from a clone or backup of the store)"

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// The ref moved or is locked by another writer: rebuild on the new head and try again.
    public var isLostRace: Bool { code == GIT_EMODIFIED.rawValue || code == GIT_ELOCKED.rawValue }
    /// The ref's lock file exists: a writer holds it now, or one crashed and left it behind.
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
    /// Opening refused by git's safe.directory rule: the repository belongs to another user.
    public var isOwnedByAnotherUser: Bool { code == GIT_EOWNER.rawValue }
}

/// The one place libgit2 return codes become Swift errors, reading git_error_last at once.
@discardableResult
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) -> Int32 {
    guard code < 0 else { return code }
    let last = git_error_last()
    let message = last.map { String(cString: $0.pointee.message) } ?? "error \(code)"
    throw GitError(code: code, operation: operation(), message: message, errorClass: last?.pointee.klass ?? 0)
}

/// libgit2's message for the last failure on this thread, read without clearing it.
func lastErrorMessage() -> String {
    git_error_last().map { String(cString: $0.pointee.message) } ?? ""
}

/// libgit2 must be initialised once per process before any other call.
enum LibGit2 {
    static let initialised: Void = { git_libgit2_init(); return () }()
}
