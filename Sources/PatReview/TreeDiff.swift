import PatGit

/// What changed between two trees, file by file, reading only the folders whose ids differ.
enum TreeDiff {
    struct Change {
        let path: String
        let old: ObjectID?
        let new: ObjectID?
        let oldIsFile: Bool
        let newIsFile: Bool
    }

    static func changes(_ repository: Repository, from old: ObjectID?, to new: ObjectID?) throws -> [Change] {
        var out: [Change] = []
        try walk(repository, old.map { ($0, true) }, new.map { ($0, true) }, path: "", into: &out)
        return out
    }

    private static func entries(_ repository: Repository, _ tree: (ObjectID, Bool)?) throws -> [String: TreeEntry] {
        guard let (id, isTree) = tree, isTree else { return [:] }
        return Dictionary(try repository.entries(ofTree: id).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static func walk(_ repository: Repository, _ old: (ObjectID, Bool)?, _ new: (ObjectID, Bool)?, path: String,
                             into out: inout [Change]) throws {
        let (before, after) = (try entries(repository, old), try entries(repository, new))
        for name in Set(before.keys).union(after.keys).sorted() {
            let (a, b) = (before[name], after[name])
            if a?.id == b?.id && a?.mode == b?.mode { continue }
            let child = path.isEmpty ? name : path + "/" + name
            let aTree = a?.kind == .tree, bTree = b?.kind == .tree
            if aTree || bTree {
                try walk(repository, aTree ? (a!.id, true) : nil, bTree ? (b!.id, true) : nil, path: child, into: &out)
            }
            let aFile = a != nil && !aTree, bFile = b != nil && !bTree
            if aFile || bFile {
                out.append(Change(path: child, old: aFile ? a!.id : nil, new: bFile ? b!.id : nil,
                                  oldIsFile: a?.kind == .blob && a?.isRegularFile == true,
                                  newIsFile: b?.kind == .blob && b?.isRegularFile == true))
            }
        }
    }

    /// Every file under `folder` of a tree, path to blob id.
    static func files(_ repository: Repository, in tree: ObjectID, under folder: String) throws -> [(String, ObjectID)] {
        guard let entry = try repository.entry(atPath: folder, inTree: tree), entry.kind == .tree else { return [] }
        return try changes(repository, from: nil, to: entry.id).compactMap { change in
            change.new.map { (folder + "/" + change.path, $0) }
        }
    }
}
