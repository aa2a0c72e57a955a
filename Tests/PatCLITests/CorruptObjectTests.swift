import Foundation
import PatTestSupport
import Testing

/// A store with a damaged object: every command ends at once with an error naming the object, and nothing changes.
/// (libgit2 1.5 used to spin forever on a truncated loose object; each run here is killed after 60 s.)
@Suite struct CorruptObjectTests {
    /// A store of three commits, the pinned signers, and a token file, with the chosen object cut to 20 bytes.
    func damagedStore(_ which: String) throws -> (CLIFixture, signers: String, tokenFile: String, object: String) {
        let fixture = try CLIFixture()
        let (_, value) = try fixture.generate("first")
        try fixture.generate("second")
        let signers = fixture.directory.file("signers")
        try git(["show", "main:allowed_signers"], in: fixture.store).stdout.write(toFile: signers, atomically: true, encoding: .utf8)
        let tokenFile = fixture.directory.file("token")
        try value.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let revision = ["head commit": "main", "middle commit": "main~1", "root tree": "main^{tree}", "settings blob": "main:pat.json"][which]!
        let object = try git(["rev-parse", revision], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = "\(fixture.store)/objects/\(object.prefix(2))/\(object.dropFirst(2))"
        #expect(FileManager.default.fileExists(atPath: file), "the object is loose")
        chmod(file, 0o644)
        truncate(file, 20)
        return (fixture, signers, tokenFile, object)
    }

    static let damaged = ["head commit", "middle commit", "root tree", "settings blob"]

    @Test(arguments: damaged)
    func everyCommandFailsNamingTheObject(damaged: String) throws {
        let (fixture, signers, tokenFile, object) = try damagedStore(damaged)
        let refsBefore = try git(["for-each-ref"], in: fixture.store).stdout
        let store = ["--store", fixture.store]
        var commands: [[String]] = [
            ["list"] + store,
            ["generate"] + store + ["--description", "third", "--expires", "+3d", "--api", "Maven Plugin"],
            ["verify"] + store + ["--allowed-signers", signers, "--token-file", tokenFile, "--method", "environment.Deployment.Deploy"],
        ]
        // Only a walk through history reads the middle commit.
        if damaged == "middle commit" { commands = [["log"] + store, commands[2]] }
        for command in commands {
            let result = try fixture.pat(command, timeout: 60)
            #expect(result.status != ProcessResult.timedOut, "\(command[0]) hung")
            #expect(result.status != 0, "\(command[0]) succeeded")
            #expect(result.stderr.contains("loose object \(object) is damaged"), "\(command[0]): \(result.stderr)")
        }
        #expect(try git(["for-each-ref"], in: fixture.store).stdout == refsBefore)
    }

    /// A packed store whose pack is cut short, has a flipped byte, or lost its index fails too (libgit2's pack
    /// reader notices), and the message says the store's objects are damaged and what to do.
    @Test(arguments: ["cut in half", "a flipped byte", "no index"])
    func aDamagedPack(damage: String) throws {
        let fixture = try CLIFixture()
        try fixture.generate("first")
        try #require(git(["gc", "-q"], in: fixture.store).status == 0)
        let folder = fixture.store + "/objects/pack/"
        let pack = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".pack") })
        let path = folder + pack
        chmod(path, 0o644)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case "cut in half": truncate(path, off_t(bytes.count / 2))
        case "a flipped byte":
            // inside the head commit's compressed data: `git verify-pack -v` gives its offset and packed size
            let head = try git(["rev-parse", "main"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let listing = try git(["verify-pack", "-v", path], in: fixture.store).stdout
            let line = try #require(listing.split(separator: "\n").first { $0.hasPrefix(head) })
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let (packed, offset) = (try #require(Int(fields[3])), try #require(Int(fields[4])))
            bytes[offset + packed / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        default: try FileManager.default.removeItem(atPath: folder + pack.replacingOccurrences(of: ".pack", with: ".idx"))
        }
        let result = try fixture.pat(["list", "--store", fixture.store], timeout: 60)
        #expect(result.status != ProcessResult.timedOut && result.status != 0)
        #expect(result.stderr.contains("the store's objects are damaged or missing: git fsck lists what is wrong"), "\(result.stderr)")
    }

    /// libgit2 reads objects through a store's alternates with the same loop: a truncated object in the folder an
    /// alternates file names (here a `--shared` clone's, and one named by a relative path) fails the same way.
    @Test(arguments: ["absolute", "relative"])
    func aTruncatedObjectInAnAlternate(path kind: String) throws {
        let fixture = try CLIFixture()
        try fixture.generate("first")
        let clone = fixture.directory.file("clone.git")
        try #require(git(["clone", "-q", "--bare", "--shared", fixture.store, clone]).status == 0)
        if kind == "relative" {
            try "../../store/objects\n".write(toFile: clone + "/objects/info/alternates", atomically: true, encoding: .utf8)
            #expect(fixture.store.hasSuffix("/store"), "the relative path names the fixture's store")
        }
        let tree = try git(["rev-parse", "main^{tree}"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!FileManager.default.fileExists(atPath: "\(clone)/objects/\(tree.prefix(2))/\(tree.dropFirst(2))"))
        let file = "\(fixture.store)/objects/\(tree.prefix(2))/\(tree.dropFirst(2))"
        chmod(file, 0o644)
        truncate(file, 20)
        let result = try fixture.pat(["list", "--store", clone], timeout: 60)
        #expect(result.status != ProcessResult.timedOut, "pat hung")
        #expect(result.status != 0)
        #expect(result.stderr.contains("loose object \(tree) is damaged"), "\(result.stderr)")
    }

    /// git reads packs first, so a damaged loose copy of a packed object does not matter to it; nor to pat.
    @Test func aDamagedLooseCopyOfAPackedObject() throws {
        let fixture = try CLIFixture()
        try fixture.generate("first")
        let head = try git(["rev-parse", "main"], in: fixture.store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = "\(fixture.store)/objects/\(head.prefix(2))/\(head.dropFirst(2))"
        let loose = try Data(contentsOf: URL(fileURLWithPath: file))
        try #require(git(["gc", "-q"], in: fixture.store).status == 0)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try loose.prefix(20).write(to: URL(fileURLWithPath: file))
        #expect(try git(["cat-file", "-t", head], in: fixture.store).stdout == "commit\n", "git reads it from the pack")
        let result = try fixture.pat(["list", "--store", fixture.store], timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("first"))
    }
}
