import Foundation
import PatTestSupport
import Testing
@testable import PatGit

@Suite struct RepositoryTests {
    static let identity = Identity(name: "Test", email: "test@example.com")

    func commit(_ repository: Repository, tree: ObjectID, parents: [ObjectID]) throws -> ObjectID {
        let content = try repository.commitContent(tree: tree, parents: parents, author: Self.identity,
                                                   committer: Self.identity, time: Date(), message: "m\n")
        return try repository.writeSignedCommit(content: content, signature: "-----BEGIN SSH SIGNATURE-----\nx\n-----END SSH SIGNATURE-----")
    }

    @Test func editingOnePathRewritesOnlyTheTreesOnIt() throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        let base = try repository.tree(applying: [
            "tokens/aa/1.json": .write(Array("a".utf8)),
            "tokens/bb/2.json": .write(Array("b".utf8)),
            "pat.json": .write(Array("{}".utf8)),
        ], to: nil)
        let edited = try repository.tree(applying: ["tokens/aa/3.json": .write(Array("c".utf8))], to: base)
        #expect(try repository.entry(atPath: "tokens/bb", inTree: base)?.id == repository.entry(atPath: "tokens/bb", inTree: edited)?.id)
        #expect(try repository.entry(atPath: "pat.json", inTree: base)?.id == repository.entry(atPath: "pat.json", inTree: edited)?.id)
        #expect(try repository.entry(atPath: "tokens/aa", inTree: base)?.id != repository.entry(atPath: "tokens/aa", inTree: edited)?.id)
        #expect(try repository.file(atPath: "tokens/aa/1.json", inTree: edited) == Array("a".utf8))
        #expect(try repository.file(atPath: "tokens/aa/3.json", inTree: edited) == Array("c".utf8))
    }

    @Test func foldersLeftEmptyDisappear() throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        let base = try repository.tree(applying: ["tokens/aa/1.json": .write([1]), "keep": .write([2])], to: nil)
        let edited = try repository.tree(applying: ["tokens/aa/1.json": .remove], to: base)
        #expect(try repository.entry(atPath: "tokens", inTree: edited) == nil)
        #expect(try repository.entries(ofTree: edited).map(\.name) == ["keep"])
        let removedMissing = try repository.tree(applying: ["nothing/here": .remove], to: edited)
        #expect(removedMissing == edited)
    }

    @Test func theBranchMovesOnlyFromTheExpectedCommit() throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        let tree = try repository.tree(applying: ["f": .write([1])], to: nil)
        let first = try commit(repository, tree: tree, parents: [])
        try repository.updateReference("refs/heads/main", to: first, expected: nil, message: "first")
        #expect(try repository.resolve(reference: "refs/heads/main") == first)

        let second = try commit(repository, tree: tree, parents: [first])
        let rival = try commit(repository, tree: try repository.tree(applying: ["g": .write([2])], to: tree), parents: [first])
        try repository.updateReference("refs/heads/main", to: second, expected: first, message: "second")
        do {
            try repository.updateReference("refs/heads/main", to: rival, expected: first, message: "rival")
            Issue.record("a stale expected value must not move the branch")
        } catch {
            #expect(error.isLostRace)
        }
        do {
            try repository.updateReference("refs/heads/main", to: rival, expected: nil, message: "must not exist")
            Issue.record("creating an existing branch must fail")
        } catch {
            #expect(error.isLostRace)
        }
        #expect(try repository.resolve(reference: "refs/heads/main") == second)
        #expect(try repository.history(from: second) == [second, first])
        #expect(try repository.isAncestor(first, of: second))
        #expect(try !repository.isAncestor(second, of: rival))
    }

    @Test func commitObjectsAreReadBackByteForByte() throws {
        let directory = TemporaryDirectory()
        let repository = try Repository.createBare(at: directory.file("repo"), branch: "main")
        let tree = try repository.tree(applying: ["f": .write([1])], to: nil)
        let id = try commit(repository, tree: tree, parents: [])
        let raw = String(decoding: try repository.readCommitObject(id), as: UTF8.self)
        #expect(raw.hasPrefix("tree \(tree.hex)\nauthor Test <test@example.com> "))
        #expect(raw.contains("\ngpgsig -----BEGIN SSH SIGNATURE-----\n x\n -----END SSH SIGNATURE-----\n\nm\n"))
        let catFile = try git(["cat-file", "commit", id.hex], in: directory.file("repo")).stdout
        #expect(catFile == raw)
    }

    @Test func openingSomethingElseFailsWithGitsReason() throws {
        let directory = TemporaryDirectory()
        #expect(throws: GitError.self) { try Repository.open(at: directory.path) }
        #expect(ObjectID(hex: "xyz") == nil)
        #expect(ObjectID(hex: String(repeating: "0", count: 40)) == .zero)
    }
}
