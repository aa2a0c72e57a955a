/// A tree object as stored (`<octal mode> <name>\0<20-byte id>` per entry), edited without libgit2's tree builder:
/// a write changes one or two entries of trees that hold hundreds, so pat copies the untouched entries' bytes
/// around the changed ones instead of copying every entry into a hash map and sorting them again.
struct RawTree {
    /// One entry to put in a tree.
    struct Entry: Equatable {
        /// The mode as git writes it: ASCII octal without leading zeros ("100644", "40000").
        var mode: [UInt8]
        var name: [UInt8]
        var id: [UInt8]

        var isTree: Bool { mode == RawTree.treeMode }
    }

    /// Where one stored entry's parts are in `bytes`: the mode starts at `start`, the name runs from
    /// `nameStart` to the NUL at `nameEnd`, and the 20-byte id follows.
    private struct Span {
        var start: Int
        var nameStart: Int
        var nameEnd: Int
        var end: Int { nameEnd + 21 }
    }

    static let blobMode = Array("100644".utf8)
    static let treeMode = Array("40000".utf8)

    private(set) var bytes: [UInt8]
    private var spans: [Span]

    var isEmpty: Bool { spans.isEmpty }
    var count: Int { spans.count }

    init() {
        bytes = []
        spans = []
    }

    init(parsing bytes: [UInt8], id: ObjectID) throws(GitError) {
        var spans: [Span] = []
        var position = 0
        while position < bytes.count {
            var space = position
            while space < bytes.count, bytes[space] != 0x20 { space += 1 }
            var nul = space + 1
            while nul < bytes.count, bytes[nul] != 0 { nul += 1 }
            guard space > position, nul > space + 1, nul + 21 <= bytes.count else {
                throw GitError(code: -1, operation: "read tree \(id.short)", message: "the tree object is damaged")
            }
            spans.append(Span(start: position, nameStart: space + 1, nameEnd: nul))
            position = nul + 21
        }
        self.bytes = bytes
        self.spans = spans
    }

    /// The entry called `name`, if any.
    func entry(named name: [UInt8]) -> Entry? {
        guard let span = spans.first(where: { nameEquals($0, name) }) else { return nil }
        return Entry(mode: Array(bytes[span.start..<(span.nameStart - 1)]), name: name,
                     id: Array(bytes[(span.nameEnd + 1)..<span.end]))
    }

    /// Applies replacements and removals (nil) by name in one merge over the sorted entries.
    mutating func apply(_ changes: [[UInt8]: Entry?]) {
        guard !changes.isEmpty else { return }
        let additions = changes.values.compactMap { $0 }.sorted(by: RawTree.precedes)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + additions.reduce(0) { $0 + $1.mode.count + $1.name.count + 22 })
        var outSpans: [Span] = []
        outSpans.reserveCapacity(spans.count + additions.count)
        func append(_ entry: Entry) {
            let start = out.count
            out += entry.mode
            out.append(0x20)
            out += entry.name
            outSpans.append(Span(start: start, nameStart: start + entry.mode.count + 1, nameEnd: out.count))
            out.append(0)
            out += entry.id
        }
        // A few changes (a write) are found by comparing names in place; many (an import) through a hash.
        let changedNames = changes.count > 8 ? Set(changes.keys) : nil
        var next = 0
        for span in spans {
            let name = bytes[span.nameStart..<span.nameEnd]
            let changed = changedNames.map { $0.contains(Array(name)) } ?? changes.keys.contains { name.elementsEqual($0) }
            if changed { continue }
            let isTree = bytes[span.start..<(span.nameStart - 1)].elementsEqual(RawTree.treeMode)
            while next < additions.count, RawTree.precedes(additions[next].name[...], additions[next].isTree, name, isTree) {
                append(additions[next])
                next += 1
            }
            let offset = out.count - span.start
            out += bytes[span.start..<span.end]
            outSpans.append(Span(start: span.start + offset, nameStart: span.nameStart + offset, nameEnd: span.nameEnd + offset))
        }
        for addition in additions[next...] { append(addition) }
        bytes = out
        spans = outSpans
    }

    private func nameEquals(_ span: Span, _ name: [UInt8]) -> Bool {
        span.nameEnd - span.nameStart == name.count && bytes[span.nameStart..<span.nameEnd].elementsEqual(name)
    }

    static func precedes(_ a: Entry, _ b: Entry) -> Bool { precedes(a.name[...], a.isTree, b.name[...], b.isTree) }

    /// git's order: by name bytes, a tree's name compared as if it ended in "/".
    static func precedes(_ a: ArraySlice<UInt8>, _ aIsTree: Bool, _ b: ArraySlice<UInt8>, _ bIsTree: Bool) -> Bool {
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex, j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] }
            i += 1
            j += 1
        }
        let nextA = i < a.endIndex ? a[i] : aIsTree ? UInt8(ascii: "/") : 0
        let nextB = j < b.endIndex ? b[j] : bIsTree ? UInt8(ascii: "/") : 0
        return nextA < nextB
    }

    /// What git refuses as an entry name: empty, `.`, `..`, `.git` in any case, or containing `/` or NUL.
    static func isValidName(_ name: [UInt8]) -> Bool {
        guard !name.isEmpty, !name.contains(UInt8(ascii: "/")), !name.contains(0) else { return false }
        let lowered = name.map { (65...90).contains($0) ? $0 | 0x20 : $0 }
        return lowered != Array(".".utf8) && lowered != Array("..".utf8) && lowered != Array(".git".utf8)
    }
}
