/// A change to one path of a tree: a new file content, or removal.
public enum TreeChange: Sendable, Equatable {
    case write([UInt8])
    case remove
}

/// A tree entry copied out of libgit2.
public struct TreeEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case blob, tree, commit, other
    }

    public let name: String
    public let id: ObjectID
    public let kind: Kind
    /// The file mode as git stores it (0o100644, 0o100755, 0o120000 for a symlink, 0o040000, 0o160000).
    public let mode: UInt32

    public var isRegularFile: Bool { mode == 0o100644 || mode == 0o100755 }
}

/// A commit's identity line (author or committer).
public struct Identity: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}
