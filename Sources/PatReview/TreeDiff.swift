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

    /// The folders read by the last diff and by this one. Diffing each commit of a range against its parent reads
    /// every changed folder twice (as the new side, then as the old side of the next commit); with a cache the
    /// second read is a lookup. Two generations only, so a long range keeps no more than two commits' folders.
    final class Cache {
        private var previous: [ObjectID: [TreeEntry]] = [:]
        private var current: [ObjectID: [TreeEntry]] = [:]

        init() {}

        /// The folder's entries ordered by name, each name once (the first, should a damaged tree repeat one).
        fileprivate func entries(_ repository: Repository, _ id: ObjectID) throws -> [TreeEntry] {
            if let hit = current[id] ?? previous[id] {
                current[id] = hit
                return hit
            }
            var read = try repository.entries(ofTree: id)
            // git orders a folder's entries by name, a subfolder as if its name ended in "/": nearly always the
            // order by name already.
            if !zip(read, read.dropFirst()).allSatisfy({ $0.name < $1.name }) {
                let sorted = read.enumerated().sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }.map(\.element)
                read = sorted.enumerated().filter { $0.offset == 0 || sorted[$0.offset - 1].name != $0.element.name }.map(\.element)
            }
            current[id] = read
            return read
        }

        fileprivate func nextGeneration() {
            previous = current
            current = [:]
        }
    }

    static func changes(_ repository: Repository, from old: ObjectID?, to new: ObjectID?, cache: Cache = Cache()) throws -> [Change] {
        var out: [Change] = []
        cache.nextGeneration()
        try walk(repository, cache, old.map { ($0, true) }, new.map { ($0, true) }, path: "", into: &out)
        return out
    }

    private static func entries(_ repository: Repository, _ cache: Cache, _ tree: (ObjectID, Bool)?) throws -> [TreeEntry] {
        guard let (id, isTree) = tree, isTree else { return [] }
        return try cache.entries(repository, id)
    }

    /// Both folders' entries in name order, merged: each name once, with what each side has under it.
    private static func walk(_ repository: Repository, _ cache: Cache, _ old: (ObjectID, Bool)?, _ new: (ObjectID, Bool)?, path: String,
                             into out: inout [Change]) throws {
        let (before, after) = (try entries(repository, cache, old), try entries(repository, cache, new))
        var (i, j) = (0, 0)
        while i < before.count || j < after.count {
            let a: TreeEntry?, b: TreeEntry?
            if j == after.count || (i < before.count && before[i].name < after[j].name) {
                (a, b) = (before[i], nil)
                i += 1
            } else if i == before.count || after[j].name < before[i].name {
                (a, b) = (nil, after[j])
                j += 1
            } else {
                (a, b) = (before[i], after[j])
                i += 1
                j += 1
            }
            if a?.id == b?.id && a?.mode == b?.mode { continue }
            let name = a?.name ?? b!.name
            let child = path.isEmpty ? name : path + "/" + name
            let aTree = a?.kind == .tree, bTree = b?.kind == .tree
            if aTree || bTree {
                try walk(repository, cache, aTree ? (a!.id, true) : nil, bTree ? (b!.id, true) : nil, path: child, into: &out)
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
