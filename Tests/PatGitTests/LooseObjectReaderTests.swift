import CLibGit2
import Foundation
import PatTestSupport
import Testing
@testable import PatGit

/// pat's own loose-object reader: every damaged file is an error naming the damage, never a hang (libgit2 1.5
/// loops forever on a truncated one, libgit2#7342), and every whole one reads back exactly.
@Suite struct LooseObjectReaderTests {
    /// The object file as pat writes it (stored blocks) and as git writes it (deflated), for one content.
    static func files(_ content: [UInt8]) throws -> [(name: String, bytes: [UInt8])] {
        let directory = TemporaryDirectory()
        let path = directory.file("repo")
        try #require(git(["init", "-q", "--bare", path]).status == 0)
        try Data(content).write(to: URL(fileURLWithPath: directory.file("content")))
        let id = try git(["hash-object", "-w", directory.file("content")], in: path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let deflated = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(path)/objects/\(id.prefix(2))/\(id.dropFirst(2))")))
        return [("stored", LooseObject.encode(type: "blob", content: content)), ("deflated", deflated)]
    }

    static func decode(_ bytes: [UInt8]) -> Result<[UInt8], LooseObjectDamage> {
        bytes.withUnsafeBytes { file in
            Result { () throws(LooseObjectDamage) in
                let object = try LooseObject.decode(file) { malloc($0) }
                defer { free(object.content) }
                #expect(object.type == GIT_OBJECT_BLOB)
                return Array(UnsafeRawBufferPointer(start: object.content, count: object.size))
            }
        }
    }

    @Test(arguments: [0, 1, 100, 70_000])
    func everyTruncationIsRefusedAndTheWholeFileReads(size: Int) throws {
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 5) }
        for (name, file) in try Self.files(content) {
            #expect(try Self.decode(file).get() == content, "\(name)")
            // Every length short of the whole file; for the large content, a sample of them.
            let lengths = file.count < 400 ? Array(0..<file.count) : Array(stride(from: 0, to: file.count, by: 997)) + [file.count - 1]
            for length in lengths {
                guard case .failure(let damage) = Self.decode(Array(file.prefix(length))) else {
                    Issue.record("\(name) cut to \(length) of \(file.count) bytes read as whole")
                    continue
                }
                #expect(!damage.reason.isEmpty)
            }
        }
    }

    @Test func theMessagesNameTheDamage() throws {
        let whole = LooseObject.encode(type: "blob", content: Array("hello\n".utf8))
        let cases: [(bytes: [UInt8], reason: String)] = [
            ([], "the file is empty"),
            (Array(whole.prefix(14)), "the file ends after 0 of its 6 bytes (truncated)"),
            (Array(whole.prefix(12)), "the file ends inside its header (truncated)"),
            (Array(whole.prefix(whole.count - 2)), "truncated"),
            (whole + [0x00, 0x01], "2 bytes of garbage follow its compressed data"),
            (LooseObject.encode(type: "blob", content: Array("hello\n".utf8)).replacing(Array("blob 6".utf8), with: Array("blob 4".utf8)),
             "its content is longer than the 4 bytes its header declares"),
            (LooseObject.encode(type: "blob", content: Array("hello\n".utf8)).replacing(Array("blob 6".utf8), with: Array("blob 9".utf8)),
             "its compressed data is damaged (zlib: incorrect data check)"),
            (LooseObject.encode(type: "blob", content: []).replacing(Array("blob 0".utf8), with: Array("blub 0".utf8)),
             "its header names no object type"),
            (LooseObject.encode(type: "blob", content: Array("x".utf8)).replacing(Array("blob 1".utf8), with: Array("blob01".utf8)),
             "its header has no size"),
            ([0x78, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "its compressed data is damaged"),
        ]
        for (bytes, reason) in cases {
            guard case .failure(let damage) = Self.decode(bytes) else { Issue.record("\(reason): read as whole"); continue }
            #expect(damage.reason.contains(reason), "\(damage.reason)")
        }
    }

    /// Through libgit2: a truncated loose commit, tree or blob makes every read of it fail with a message that
    /// names the object, in a history walk too. (In process: the CLI tests run the binary with a timeout, so a
    /// regression there fails instead of hanging.)
    @Test(arguments: ["commit", "tree", "blob"])
    func libgit2ReadsOfATruncatedObjectFailNamingIt(kind: String) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("repo")
        try #require(git(["init", "-q", "--bare", path]).status == 0)
        let blob = try run("git", ["-C", path, "hash-object", "-w", "--stdin"], stdin: "some content\n").stdout.trimmingCharacters(in: .newlines)
        let tree = try run("git", ["-C", path, "mktree"], stdin: "100644 blob \(blob)\tfile\n").stdout.trimmingCharacters(in: .newlines)
        let commit = try git(["commit-tree", tree, "-m", "one"], in: path).stdout.trimmingCharacters(in: .newlines)
        let id = ["commit": commit, "tree": tree, "blob": blob][kind]!
        let file = "\(path)/objects/\(id.prefix(2))/\(id.dropFirst(2))"
        chmod(file, 0o644)
        truncate(file, 20)
        let repository = try Repository.open(at: path)
        let commitID = try #require(ObjectID(hex: commit))
        let reads: [(String, () throws -> Void)] = [
            ("commit", { _ = try repository.commit(commitID) }),
            ("history", { _ = try repository.history(from: commitID) }),
            ("tree", { _ = try repository.entries(ofTree: ObjectID(hex: tree)!) }),
            ("entry", { _ = try repository.entry(atPath: "file", inTree: ObjectID(hex: tree)!) }),
            ("blob", { _ = try repository.readBlob(ObjectID(hex: blob)!) }),
            ("raw", { _ = try repository.readObject(ObjectID(hex: id)!, type: GIT_OBJECT_BLOB) }),
        ]
        var failed = 0
        for (name, read) in reads {
            do { try read() } catch let error as GitError {
                failed += 1
                #expect(error.message.contains("loose object \(id) is damaged"), "\(name): \(error.message)")
            }
        }
        #expect(failed >= 2, "reads that touch the \(kind) fail")
    }
}

extension LooseObjectReaderTests {
    /// A file far larger than its header's size (here a sparse 512 MiB behind a 6-byte blob's header) is refused
    /// from its first bytes, not read whole into memory; so is a header that declares more than its file can hold.
    @Test func theHeaderBoundsWhatIsRead() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("repo")
        try #require(git(["init", "-q", "--bare", path]).status == 0)
        let blob = try run("git", ["-C", path, "hash-object", "-w", "--stdin"], stdin: "hello\n").stdout.trimmingCharacters(in: .newlines)
        let file = "\(path)/objects/\(blob.prefix(2))/\(blob.dropFirst(2))"
        chmod(file, 0o644)
        let whole = LooseObject.encode(type: "blob", content: Array("hello\n".utf8))
        try Data(whole).write(to: URL(fileURLWithPath: file))
        truncate(file, 512 << 20)
        let repository = try Repository.open(at: path)
        #expect {
            _ = try repository.readBlob(ObjectID(hex: blob)!)
        } throws: { error in
            (error as? GitError)?.message.contains("its file has 536870912 bytes, far more than the 6 bytes its header declares can take") == true
        }
        // One stored block whose header declares far more than the file holds.
        let payload = Array("blob 99999999\0hello\n".utf8)
        var adler = Adler32()
        adler.update(payload)
        let length = payload.count
        let lying = [0x78, 0x01, 0x01, UInt8(length), 0x00, ~UInt8(length), 0xFF] + payload
            + [UInt8(adler.value >> 24), UInt8((adler.value >> 16) & 0xFF), UInt8((adler.value >> 8) & 0xFF), UInt8(adler.value & 0xFF)]
        guard case .failure(let damage) = Self.decode(lying) else { Issue.record("read as whole"); return }
        #expect(damage.reason.contains("its header declares 99999999 bytes, more than its \(lying.count)-byte file can hold"), "\(damage.reason)")
    }
}

extension Array where Element == UInt8 {
    func replacing(_ old: [UInt8], with new: [UInt8]) -> [UInt8] {
        guard let start = (0...(count - old.count)).first(where: { Array(self[$0..<($0 + old.count)]) == old }) else { return self }
        return Array(self[..<start]) + new + Array(self[(start + old.count)...])
    }
}
