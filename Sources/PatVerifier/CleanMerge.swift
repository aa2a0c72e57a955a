import PatGit

/// pat's own three-way merge of two trees over their merge base, file by file: a path takes the side that changed
/// it; a path both sides changed differently is a conflict (no content merge inside a file, no rename detection).
/// It only reads trees, and only those that differ: the verifier never writes into the store it checks.
///
/// `merges: verified-clean` accepts an unsigned merge commit only when its tree is exactly this merge, so every
/// file in it comes from a signed side as that side signed it.
enum CleanMerge {
    /// Why a merged tree is not the clean merge of its parents; nil when it is.
    static func mismatch(base: ObjectID?, ours: ObjectID, theirs: ObjectID, merged: ObjectID,
                         in repository: Repository) throws -> String? {
        try compare(base.map { Entry(id: $0, mode: 0o040000) }, Entry(id: ours, mode: 0o040000),
                    Entry(id: theirs, mode: 0o040000), Entry(id: merged, mode: 0o040000), path: "", repository)
    }

    /// The first path both sides changed differently since `base` (nil: the two merge cleanly).
    static func conflict(base: ObjectID?, ours: ObjectID, theirs: ObjectID, in repository: Repository) throws -> String? {
        try conflict(base.map { Entry(id: $0, mode: 0o040000) }, Entry(id: ours, mode: 0o040000), Entry(id: theirs, mode: 0o040000),
                     path: "", repository)
    }

    private static func conflict(_ base: Entry?, _ ours: Entry?, _ theirs: Entry?, path: String, _ repository: Repository) throws -> String? {
        if ours == theirs || base == ours || base == theirs { return nil }
        guard ours?.isTree == true, theirs?.isTree == true else { return path.isEmpty ? "the top of the tree" : path }
        let (b, o, t) = (try entries(base, repository), try entries(ours, repository), try entries(theirs, repository))
        for name in Set(b.keys).union(o.keys).union(t.keys).sorted() {
            if let found = try conflict(b[name], o[name], t[name], path: path.isEmpty ? name : path + "/" + name, repository) {
                return found
            }
        }
        return nil
    }

    private struct Entry: Equatable {
        let id: ObjectID
        let mode: UInt32
        var isTree: Bool { mode == 0o040000 }
    }

    /// A folder's entries by name. (A name that appears twice is refused first: git trees never hold one, and a
    /// dictionary would keep only one of the two.)
    private static func entries(_ entry: Entry?, _ repository: Repository) throws -> [String: Entry] {
        guard let entry, entry.isTree else { return [:] }
        return Dictionary(try repository.entries(ofTree: entry.id).map { ($0.name, Entry(id: $0.id, mode: $0.mode)) },
                          uniquingKeysWith: { first, _ in first })
    }

    private static func duplicateName(in entry: Entry, _ repository: Repository) throws -> String? {
        guard entry.isTree else { return nil }
        var seen = Set<String>()
        for child in try repository.entries(ofTree: entry.id) where !seen.insert(child.name).inserted { return child.name }
        return nil
    }

    /// A folder's first file by name (the path itself for a file): what a message names.
    private static func firstFile(in entry: Entry, path: String, _ repository: Repository) throws -> String {
        guard entry.isTree, let first = try repository.entries(ofTree: entry.id).min(by: { $0.name < $1.name }) else { return path }
        return try firstFile(in: Entry(id: first.id, mode: first.mode), path: path + "/" + first.name, repository)
    }

    private static func compare(_ base: Entry?, _ ours: Entry?, _ theirs: Entry?, _ merged: Entry?, path: String,
                                _ repository: Repository) throws -> String? {
        let place = path.isEmpty ? "the top of the tree" : path
        let expected: Entry?
        if ours == theirs {
            expected = ours
        } else if base == ours {
            expected = theirs
        } else if base == theirs {
            expected = ours
        } else if ours?.isTree == true, theirs?.isTree == true {
            // Both sides changed this folder: merge it entry by entry.
            guard let merged, merged.isTree else { return "\(place) should be a folder merged from both sides" }
            if let duplicate = try duplicateName(in: merged, repository) {
                return "\(path.isEmpty ? duplicate : path + "/" + duplicate) appears twice in one folder of the merge"
            }
            let (b, o, t, m) = (try entries(base, repository), try entries(ours, repository), try entries(theirs, repository),
                                try entries(merged, repository))
            for name in Set(b.keys).union(o.keys).union(t.keys).union(m.keys).sorted() {
                let child = path.isEmpty ? name : path + "/" + name
                if let problem = try compare(b[name], o[name], t[name], m[name], path: child, repository) { return problem }
            }
            return nil
        } else {
            return "\(place) was changed on both sides (a conflict a signed merge must resolve)"
        }
        guard expected != merged else { return nil }
        if let expected, let merged, expected.isTree, merged.isTree {
            // Name the file that differs, not the folder.
            if let duplicate = try duplicateName(in: merged, repository) {
                return "\(path.isEmpty ? duplicate : path + "/" + duplicate) appears twice in one folder of the merge"
            }
            let wanted = try entries(expected, repository)
            let found = try entries(merged, repository)
            for name in Set(wanted.keys).union(found.keys).sorted() where wanted[name] != found[name] {
                let child = path.isEmpty ? name : path + "/" + name
                return try compare(wanted[name], wanted[name], wanted[name], found[name], path: child, repository)
            }
        }
        switch (expected, merged) {
        case (nil, let extra?):
            return "\(try firstFile(in: extra, path: path, repository)) is in the merge but in the clean merge of its parents it is not"
        case (let missing?, nil): return "\(try firstFile(in: missing, path: path, repository)) is missing from the merge"
        default: return "\(place) differs from the clean merge of its parents"
        }
    }
}
