import Foundation
import PatCore
import PatTestSupport
import Testing
@testable import PatStore

/// A `refs/heads/main.lock` left behind by a crashed writer: refused at once with the file's name and age, and
/// no pile of unreachable commits written while retrying.
@Suite struct BranchLockTests {
    /// Every loose object file, so that a test sees objects nothing refers to (which `snapshot()` cannot).
    static func looseObjects(_ store: String) throws -> [String] {
        let objects = store + "/objects"
        return try FileManager.default.contentsOfDirectory(atPath: objects)
            .filter { $0.count == 2 }
            .flatMap { folder in try FileManager.default.contentsOfDirectory(atPath: objects + "/" + folder).map { folder + $0 } }
            .sorted()
    }

    static func lock(_ store: String, modified: Date) throws -> String {
        let path = store + "/refs/heads/main.lock"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
        return path
    }

    @Test func aStaleLockIsRefusedBeforeAnythingIsWritten() throws {
        let fixture = try StoreFixture()
        try fixture.generate("existing")
        // Whole seconds, so that the message's time is exact; two and a half hours, so that its age is "2 hours".
        let modified = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 9000).rounded(.down))
        let lock = try Self.lock(fixture.store.path, modified: modified)
        let before = try fixture.snapshot()
        let objects = try Self.looseObjects(fixture.store.path)
        #expect(performing: { try fixture.generate("blocked") }, throws: { error in
            String(describing: error) == "the branch main is locked: \(lock) exists, last modified \(Timestamp.format(modified)) (2 hours ago). "
                + "git and pat hold this file only while they move the branch, so one that crashed left it behind; "
                + "if no pat or git process is using the store, remove it (rm \(lock)) and try again. The store is unchanged"
        })
        #expect(try fixture.snapshot() == before)
        #expect(try Self.looseObjects(fixture.store.path) == objects)

        // Once the file is gone, the same write goes through.
        try FileManager.default.removeItem(atPath: lock)
        try fixture.generate("after the lock")
    }

    /// A lock younger than a live writer could hold it is waited for, offering the same commit again: when it
    /// stays, the refusal names it, and at most the one commit built for the head was written.
    @Test func aLockThatStaysIsNamedAndOnlyOneCommitIsWritten() throws {
        let fixture = try StoreFixture()
        let lock = try Self.lock(fixture.store.path, modified: Date())
        let before = try fixture.snapshot()
        let objects = Set(try Self.looseObjects(fixture.store.path))
        var options = fixture.options
        options.maxAttempts = 5
        options.staleLockAge = .infinity
        #expect(performing: {
            try fixture.store.generate(TokenSettingsRequest(description: "d", expires: "+3d", preset: "Marketplace"), options)
        }, throws: { error in
            guard case StoreError.branchLocked(let path, _, _) = error else { return false }
            return path == lock
        })
        #expect(try fixture.snapshot() == before)
        let added = Set(try Self.looseObjects(fixture.store.path)).subtracting(objects)
        let commits = try added.filter { name in
            try git(["cat-file", "-t", name], in: fixture.store.path).stdout == "commit\n"
        }
        #expect(commits.count == 1)
    }

    static let ages: [(TimeInterval, String)] = [
        (0.4, "0 seconds ago"), (1, "1 second ago"), (59, "59 seconds ago"), (60, "1 minute ago"),
        (7199, "1 hour ago"), (86_400 * 3 + 5, "3 days ago"), (-5, "in the future by this machine's clock"),
    ]

    @Test(arguments: ages)
    func lockAgesReadShort(age: TimeInterval, text: String) {
        #expect(StoreError.describe(age: age) == text)
    }
}
