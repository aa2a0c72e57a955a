import Foundation
import PatTestSupport
import Testing
@testable import PatGit

/// pat writes objects itself (uncompressed zlib, like git's core.looseCompression=0): git must read every one of
/// them, agree on its id, and find every tree in its own order.
@Suite struct LooseObjectTests {
    @Test(arguments: [0, 1, 300, 65_535 - 9, 65_535 - 8, 65_535, 70_000, 200_000])
    func blobsOfEverySizeReadBackWithGit(size: Int) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("repo")
        let repository = try Repository.createBare(at: path, branch: "main")
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
        let id = try repository.writeBlob(content)
        try Data(content).write(to: URL(fileURLWithPath: directory.file("content")))
        #expect(try git(["hash-object", directory.file("content")], in: path).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id.hex)
        #expect(try git(["cat-file", "-s", id.hex], in: path).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(content.count))
        #expect(try repository.readBlob(id) == content)
        // fsck inflates every object and checks its id against its content.
        let fsck = try git(["fsck", "--strict"], in: path)
        #expect(fsck.status == 0 && fsck.stdout.contains("dangling blob \(id.hex)"), "\(fsck.stdout) \(fsck.stderr)")
        // Writing it again finds it there (the file is read-only) and gives the same id.
        #expect(try repository.writeBlob(content) == id)
    }

    @Test func adler32MatchesTheRFCExample() {
        var adler = Adler32()
        adler.update(Array("Wikipedia".utf8))
        #expect(adler.value == 0x11E6_0398)
        var long = Adler32()
        long.update([UInt8](repeating: 0xFF, count: 100_000))
        // Reference: zlib.adler32(b"\xff" * 100000) == 0x149a302c (Python's zlib); the sums wrap many times.
        #expect(long.value == 0x149A_302C)
    }

    /// Names that sort differently as files and as folders ("a" as a folder sorts as "a/", after "a.b" and "a-").
    @Test func treesAreInGitsOrderAndFsckClean() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("repo")
        let repository = try Repository.createBare(at: path, branch: "main")
        let base = try repository.tree(applying: [
            "a.b": .write([1]), "a/x": .write([2]), "a-": .write([3]), "a0": .write([4]), "b": .write([5]), "A": .write([6]),
            "tokens/ab/1.json": .write([7]), "tokens.json": .write([8]), "tokens-": .write([9]),
        ], to: nil)
        // Then a file becomes a folder and a folder a file, one entry goes, one comes.
        let edited = try repository.tree(applying: ["b/y": .write([10]), "a": .write([11]), "a0": .remove,
                                                    "tokens/ab/2.json": .write([12]), "c": .write([13])], to: base)
        for tree in [base, edited] {
            let listing = try git(["ls-tree", tree.hex], in: path).stdout
            let remade = try run("git", ["-C", path, "mktree"], stdin: listing).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(remade == tree.hex, "git orders the entries the same way")
        }
        #expect(try repository.entries(ofTree: edited).map(\.name) == ["A", "a", "a-", "a.b", "b", "c", "tokens-", "tokens.json", "tokens"])
        #expect(try repository.entry(atPath: "a", inTree: edited)?.kind == .blob)
        #expect(try repository.entry(atPath: "b", inTree: edited)?.kind == .tree)
        let shard = try #require(try repository.entry(atPath: "tokens/ab", inTree: edited))
        #expect(try repository.entries(ofTree: shard.id).map(\.name) == ["1.json", "2.json"])
        let commit = try repository.writeSignedCommit(
            content: try repository.commitContent(tree: edited, parents: [], author: Identity(name: "t", email: "t@x"),
                                                  committer: Identity(name: "t", email: "t@x"), time: Date(), message: "m\n"),
            signature: "-----BEGIN SSH SIGNATURE-----\nx\n-----END SSH SIGNATURE-----")
        try repository.updateReference("refs/heads/main", to: commit, expected: nil, message: "test")
        let fsck = try git(["fsck", "--strict", "--no-dangling"], in: path)
        #expect(fsck.status == 0, "\(fsck.stderr)")
    }

    @Test(arguments: [".git/config", "a/.GIT/b", "..", "a/./b", "x/\u{0}"])
    func pathsGitWouldRefuseAreRefused(path: String) throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        #expect(throws: GitError.self) { try repository.tree(applying: [path: .write([1])], to: nil) }
    }
}

@Suite struct TreeLookupTests {
    @Test func containsEntryAgreesWithLibgit2() throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        let tree = try repository.tree(applying: ["tokens/ab/1.json": .write([1]), "pat.json": .write([2])], to: nil)
        for path in ["tokens/ab/1.json", "tokens/ab", "tokens", "pat.json", "tokens/ab/2.json", "tokens/cd/1.json",
                     "pat.json/x", "nothing", "tokens/ab/1.json/deeper"] {
            #expect(try repository.containsEntry(atPath: path, inTree: tree) == (repository.entry(atPath: path, inTree: tree) != nil), "\(path)")
        }
    }
}
