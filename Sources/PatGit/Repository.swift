import CLibGit2
import Foundation

/// An open git repository. Owns the libgit2 handle and frees it on deinit; every value it returns is a
/// Swift copy. Not shared between threads: open one per task.
public final class Repository {
    let pointer: OpaquePointer
    public let path: String
    /// Trees pat read to edit them, by id (an id names one content forever). A write looks up the new token's
    /// shard and then edits it: this reads and parses it once.
    private var rawTrees: [ObjectID: RawTree] = [:]

    private init(pointer: OpaquePointer, path: String) {
        self.pointer = pointer
        self.path = path
    }

    deinit { git_repository_free(pointer) }

    /// Creates a bare repository whose HEAD names `branch`.
    public static func createBare(at path: String, branch: String) throws(GitError) -> Repository {
        LibGit2.initialised
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "init options")
        options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
            | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        var repository: OpaquePointer?
        let code = branch.withCString { head -> Int32 in
            options.initial_head = head
            return git_repository_init_ext(&repository, path, &options)
        }
        try check(code, "init \(path)")
        return try guarded(Repository(pointer: repository!, path: path))
    }

    /// Opens the repository at exactly `path` (no search upwards).
    public static func open(at path: String) throws(GitError) -> Repository {
        LibGit2.initialised
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        // libgit2 1.5.1 reports the refusal as "config value 'safe.directory' was not found" (GIT_ENOTFOUND) when
        // no safe.directory is configured at all, and as GIT_EOWNER otherwise.
        if code == GIT_EOWNER.rawValue || (code < 0 && lastErrorMessage().contains("safe.directory")) {
            throw GitError(code: GIT_EOWNER.rawValue, operation: "open \(path)", message: ownershipRefusal(path))
        }
        try check(code, "open \(path)")
        return try guarded(Repository(pointer: repository!, path: path))
    }

    /// What git's safe.directory rule refuses, who owns the folder, and how to allow it.
    static func ownershipRefusal(_ path: String) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let uid = (attributes?[.ownerAccountID] as? NSNumber).map { "uid \($0)" } ?? "another uid"
        let owner = (attributes?[.ownerAccountName] as? String).flatMap { $0.isEmpty ? nil : "\($0) (\(uid))" } ?? uid
        // safe.directory entries are absolute paths.
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let absolute = (full as NSString).standardizingPath
        return "\(path) belongs to \(owner), not to the user running pat (uid \(getuid())), so git's safe.directory check refuses to open it "
            + "(a repository someone else controls could make git run their configuration as you). If you trust it, allow it with: "
            + "git config --global --add safe.directory \(absolute)"
    }

    /// Every read of a loose object goes through pat's own reader first (`LooseObjectGuard`): libgit2 1.5 never
    /// returns from reading a truncated one.
    private static func guarded(_ repository: Repository) throws(GitError) -> Repository {
        try LooseObjectGuard.install(in: repository.pointer, objectsDirectory: repository.objectsDirectory)
        return repository
    }

    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    // MARK: References

    /// The commit a reference points at, or nil when it does not exist yet.
    public func resolve(reference name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "resolve \(name)")
        return ObjectID(oid)
    }

    /// Whether git accepts `name` as a reference name (e.g. `refs/heads/feature`).
    public static func isValidReferenceName(_ name: String) -> Bool {
        LibGit2.initialised
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// Any revision git understands (a ref, an id, `HEAD~2`), peeled to a commit.
    public func resolveCommit(revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, pointer, revision), "resolve \(revision)")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "peel \(revision) to a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// Moves `name` to `id` only if it still points at `expected` (nil: must not exist yet).
    /// A lost race throws a GitError whose `isLostRace` is true.
    public func updateReference(_ name: String, to id: ObjectID, expected: ObjectID?, message: String) throws(GitError) {
        var newID = id.raw
        var current = (expected ?? .zero).raw
        var reference: OpaquePointer?
        try check(git_reference_create_matching(&reference, pointer, name, &newID, 1, &current, message), "update \(name)")
        git_reference_free(reference)
    }

    /// The lock file git and libgit2 create beside a loose ref while they move it (`refs/heads/main.lock`),
    /// and when it was last modified, or nil when there is none. A writer holds it for the moment of the update;
    /// one that crashed leaves it behind, and then every update of the ref fails until someone removes it.
    public func lockFile(ofReference name: String) -> (path: String, modified: Date)? {
        let path = String(cString: git_repository_commondir(pointer)) + name + ".lock"
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        return (path, modified)
    }

    // MARK: Objects

    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        try LooseObject.write(type: GIT_OBJECT_BLOB, content: bytes, objectsDirectory: objectsDirectory)
    }

    public func readBlob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var oid = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, pointer, &oid), "read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: content, count: size))
    }

    /// The raw bytes of a commit object exactly as stored, for pat's own strict header parser.
    public func readCommitObject(_ id: ObjectID) throws(GitError) -> [UInt8] {
        try readObject(id, type: GIT_OBJECT_COMMIT)
    }

    public func hasObject(_ id: ObjectID) throws(GitError) -> Bool {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "open object database")
        defer { git_odb_free(odb) }
        var oid = id.raw
        return git_odb_exists(odb, &oid) == 1
    }

    // MARK: Commits

    public struct CommitInfo: Sendable {
        public let id: ObjectID
        public let tree: ObjectID
        public let parents: [ObjectID]
        public let author: Identity
        public let committer: Identity
        public let time: Date
        public let message: String
    }

    public func commit(_ id: ObjectID) throws(GitError) -> CommitInfo {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, pointer, &oid), "read commit \(id.short)")
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0).pointee) }
        func identity(_ signature: UnsafePointer<git_signature>) -> Identity {
            Identity(name: String(cString: signature.pointee.name), email: String(cString: signature.pointee.email))
        }
        return CommitInfo(
            id: id,
            tree: ObjectID(git_commit_tree_id(commit).pointee),
            parents: parents,
            author: identity(git_commit_author(commit)),
            committer: identity(git_commit_committer(commit)),
            time: Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit))),
            message: git_commit_message(commit).map { String(cString: $0) } ?? ""
        )
    }

    /// The exact bytes of a commit object without its signature: what gets signed.
    public func commitContent(tree: ObjectID, parents: [ObjectID], author: Identity, committer: Identity,
                              time: Date, message: String) throws(GitError) -> String {
        var treeID = tree.raw
        var treeObject: OpaquePointer?
        try check(git_tree_lookup(&treeObject, pointer, &treeID), "read tree \(tree.short)")
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            var parentID = parent.raw
            var object: OpaquePointer?
            try check(git_commit_lookup(&object, pointer, &parentID), "read commit \(parent.short)")
            parentObjects.append(object)
        }
        let seconds = git_time_t(time.timeIntervalSince1970.rounded(.down))
        var authorSignature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&authorSignature, author.name, author.email, seconds, 0), "author \(author.email)")
        defer { git_signature_free(authorSignature) }
        var committerSignature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&committerSignature, committer.name, committer.email, seconds, 0), "committer \(committer.email)")
        defer { git_signature_free(committerSignature) }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = parentObjects.withUnsafeMutableBufferPointer { parentsPointer in
            git_commit_create_buffer(&buffer, pointer, authorSignature, committerSignature, nil, message, treeObject,
                                     parents.count, parentsPointer.baseAddress)
        }
        try check(code, "build commit")
        return String(cString: buffer.ptr)
    }

    /// Writes a commit object with `signature` in its gpgsig header. Moves no reference.
    public func writeSignedCommit(content: String, signature: String) throws(GitError) -> ObjectID {
        var oid = git_oid()
        try check(git_commit_create_with_signature(&oid, pointer, content, signature, nil), "write signed commit")
        return ObjectID(oid)
    }

    /// Commit ids reachable from `start`, newest first (topological, then time), at most `limit`. (No "but not
    /// from" form: libgit2's revwalk decides what a hidden commit hides by commit dates, and with skewed dates it
    /// lets ancestors of the hidden side through. The trust rule walks the graph itself.)
    public func history(from start: ObjectID, limit: Int = .max) throws(GitError) -> [ObjectID] {
        var walker: OpaquePointer?
        try check(git_revwalk_new(&walker, pointer), "walk history")
        defer { git_revwalk_free(walker) }
        git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        var startID = start.raw
        try check(git_revwalk_push(walker, &startID), "walk from \(start.short)")
        var ids: [ObjectID] = []
        var oid = git_oid()
        while ids.count < limit {
            let code = git_revwalk_next(&oid, walker)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "walk history")
            ids.append(ObjectID(oid))
        }
        return ids
    }

    /// The merge of two commits as libgit2 makes it (over their merge base, recursively for a criss-cross): the
    /// tree, written to the object database, or the paths in conflict.
    public func mergedTree(ours: ObjectID, theirs: ObjectID) throws(GitError) -> (tree: ObjectID?, conflicts: [String]) {
        func lookup(_ id: ObjectID) throws(GitError) -> OpaquePointer? {
            var oid = id.raw
            var commit: OpaquePointer?
            try check(git_commit_lookup(&commit, pointer, &oid), "read commit \(id.short)")
            return commit
        }
        let left = try lookup(ours)
        defer { git_commit_free(left) }
        let right = try lookup(theirs)
        defer { git_commit_free(right) }
        var options = git_merge_options()
        try check(git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)), "merge options")
        var index: OpaquePointer?
        try check(git_merge_commits(&index, pointer, left, right, &options), "merge \(theirs.short) into \(ours.short)")
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
            var iterator: OpaquePointer?
            try check(git_index_conflict_iterator_new(&iterator, index), "list merge conflicts")
            defer { git_index_conflict_iterator_free(iterator) }
            var paths: [String] = []
            var ancestor: UnsafePointer<git_index_entry>?
            var mine: UnsafePointer<git_index_entry>?
            var other: UnsafePointer<git_index_entry>?
            while git_index_conflict_next(&ancestor, &mine, &other, iterator) == 0 {
                if let entry = ancestor ?? mine ?? other { paths.append(String(cString: entry.pointee.path)) }
            }
            return (nil, paths.sorted())
        }
        var tree = git_oid()
        try check(git_index_write_tree_to(&tree, index, pointer), "write the merged tree")
        return (ObjectID(tree), [])
    }

    /// True when `descendant` has `ancestor` in its history (or is it).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(GitError) -> Bool {
        if ancestor == descendant { return true }
        var a = ancestor.raw
        var d = descendant.raw
        return try check(git_graph_descendant_of(pointer, &d, &a), "compare history") == 1
    }

    // MARK: Trees

    public func entries(ofTree id: ObjectID) throws(GitError) -> [TreeEntry] {
        var oid = id.raw
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, pointer, &oid), "read tree \(id.short)")
        defer { git_tree_free(tree) }
        return (0..<git_tree_entrycount(tree)).map { index in TreeEntry(git_tree_entry_byindex(tree, index)) }
    }

    /// The entry at a slash-separated path below `tree`, or nil when there is none.
    public func entry(atPath path: String, inTree tree: ObjectID) throws(GitError) -> TreeEntry? {
        var oid = tree.raw
        var treeObject: OpaquePointer?
        try check(git_tree_lookup(&treeObject, pointer, &oid), "read tree \(tree.short)")
        defer { git_tree_free(treeObject) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, treeObject, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "find \(path)")
        defer { git_tree_entry_free(entry) }
        return TreeEntry(entry)
    }

    /// The blob at `path` in `tree`, or nil when the path does not exist.
    public func file(atPath path: String, inTree tree: ObjectID) throws(GitError) -> [UInt8]? {
        guard let entry = try entry(atPath: path, inTree: tree), entry.kind == .blob else { return nil }
        return try readBlob(entry.id)
    }

    /// Applies `changes` (path -> new content or removal) to `base` and returns the new root tree.
    /// Only the trees on the changed paths are rewritten; a folder left empty disappears.
    public func tree(applying changes: [String: TreeChange], to base: ObjectID?) throws(GitError) -> ObjectID {
        let split = changes.map { (path: $0.key.split(separator: "/").map(String.init), change: $0.value) }
        if let tree = try editTree(base, changes: split) { return tree }
        return try writeEmptyTree()
    }

    private func writeEmptyTree() throws(GitError) -> ObjectID {
        try LooseObject.write(type: GIT_OBJECT_TREE, content: [], objectsDirectory: objectsDirectory)
    }

    /// Returns nil when the edited tree is empty.
    private func editTree(_ base: ObjectID?, changes: [(path: [String], change: TreeChange)]) throws(GitError) -> ObjectID? {
        var tree = try base.map { id throws(GitError) in try rawTree(id) } ?? RawTree()
        var edits: [[UInt8]: RawTree.Entry?] = [:]
        var nested: [[UInt8]: [(path: [String], change: TreeChange)]] = [:]
        for (path, change) in changes {
            guard let first = path.first else { continue }
            let name = Array(first.utf8)
            guard RawTree.isValidName(name) else {
                throw GitError(code: -1, operation: "edit tree", message: "'\(path.joined(separator: "/"))' is not a valid path in a git tree")
            }
            if path.count > 1 {
                nested[name, default: []].append((Array(path.dropFirst()), change))
                continue
            }
            switch change {
            case .write(let bytes):
                let blob = try writeBlob(bytes)
                edits[name] = RawTree.Entry(mode: RawTree.blobMode, name: name, id: blob.bytes)
            case .remove:
                if tree.entry(named: name) != nil { edits[name] = .some(nil) }
            }
        }
        for (name, subchanges) in nested {
            let existing = tree.entry(named: name).flatMap { $0.isTree ? ObjectID(bytes: $0.id) : nil }
            if let subtree = try editTree(existing, changes: subchanges) {
                edits[name] = RawTree.Entry(mode: RawTree.treeMode, name: name, id: subtree.bytes)
            } else if tree.entry(named: name) != nil {
                edits[name] = .some(nil)
            }
        }
        tree.apply(edits)
        if tree.isEmpty { return nil }
        let id = try LooseObject.write(type: GIT_OBJECT_TREE, content: tree.bytes, objectsDirectory: objectsDirectory)
        remember(tree, as: id)
        return id
    }

    private func rawTree(_ id: ObjectID) throws(GitError) -> RawTree {
        if let cached = rawTrees[id] { return cached }
        let tree = try RawTree(parsing: try readObject(id, type: GIT_OBJECT_TREE), id: id)
        remember(tree, as: id)
        return tree
    }

    /// Trees pat wrote are kept too: the next write on this head starts from them.
    private func remember(_ tree: RawTree, as id: ObjectID) {
        if rawTrees.count >= 64 { rawTrees.removeAll(keepingCapacity: true) }
        rawTrees[id] = tree
    }

    /// Whether anything is at a slash-separated path below `tree`: what a writer asks before taking a new name.
    public func containsEntry(atPath path: String, inTree tree: ObjectID) throws(GitError) -> Bool {
        var current = tree
        let names = path.split(separator: "/").map { Array($0.utf8) }
        for (index, name) in names.enumerated() {
            guard let entry = try rawTree(current).entry(named: name) else { return false }
            if index == names.count - 1 { return true }
            guard entry.isTree, let next = ObjectID(bytes: entry.id) else { return false }
            current = next
        }
        return true
    }

    /// The raw content of an object of the given type, exactly as stored.
    func readObject(_ id: ObjectID, type: git_object_t) throws(GitError) -> [UInt8] {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "open object database")
        defer { git_odb_free(odb) }
        var oid = id.raw
        var object: OpaquePointer?
        try check(git_odb_read(&object, odb, &oid), "read object \(id.short)")
        defer { git_odb_object_free(object) }
        guard git_odb_object_type(object) == type else {
            throw GitError(code: -1, operation: "read object \(id.short)", message: "the object is a \(String(cString: git_object_type2string(git_odb_object_type(object)))), not a \(String(cString: git_object_type2string(type)))")
        }
        let size = git_odb_object_size(object)
        guard size > 0, let data = git_odb_object_data(object) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// Where loose objects go (`objects/` of the repository, shared by worktrees; `.git/objects` in a clone).
    public var objectsDirectory: String {
        String(cString: git_repository_commondir(pointer)) + "objects"
    }

    // MARK: Configuration

    public func defaultIdentity() -> Identity? {
        var signature: UnsafeMutablePointer<git_signature>?
        guard git_signature_default(&signature, pointer) == 0, let signature else { return nil }
        defer { git_signature_free(signature) }
        return Identity(name: String(cString: signature.pointee.name), email: String(cString: signature.pointee.email))
    }

    public func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
        return String(cString: value)
    }

    public func setConfigString(_ key: String, _ value: String) throws(GitError) {
        var config: OpaquePointer?
        try check(git_repository_config(&config, pointer), "open config")
        defer { git_config_free(config) }
        try check(git_config_set_string(config, key, value), "set \(key)")
    }
}

extension TreeEntry {
    init(_ entry: OpaquePointer?) {
        let kind: Kind = switch git_tree_entry_type(entry) {
        case GIT_OBJECT_BLOB: .blob
        case GIT_OBJECT_TREE: .tree
        case GIT_OBJECT_COMMIT: .commit
        default: .other
        }
        self.init(name: String(cString: git_tree_entry_name(entry)), id: ObjectID(git_tree_entry_id(entry).pointee),
                  kind: kind, mode: git_tree_entry_filemode(entry).rawValue)
    }
}
