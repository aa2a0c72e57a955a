import Foundation
import PatTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// "A value that was committed is always delivered, or its token is removed again": through the real `pat`, with
/// outputs that refuse before the commit (bad --output paths, a closed stdout) and outputs that fail after it
/// (/dev/full, a pipe nobody reads, a full disk).
@Suite struct ValueDeliveryTests {
    // MARK: Refused before the commit

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        /// Makes the --output path in the test's folder and returns it.
        let prepare: @Sendable (String) throws -> String
        let message: @Sendable (String) -> String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "a dangling symlink", prepare: { folder in
            try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/target")
            return folder + "/link"
        }, message: { "\($0) is a symbolic link; --output writes a new file only and never follows a link" }),
        Refusal(name: "a symlink to an existing file", prepare: { folder in
            try "old\n".write(toFile: folder + "/target", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/target")
            return folder + "/link"
        }, message: { "\($0) is a symbolic link; --output writes a new file only and never follows a link" }),
        Refusal(name: "an empty path", prepare: { _ in "" },
                message: { _ in "--output names no file: the path is empty" }),
        Refusal(name: "an existing file", prepare: { folder in
            try "old\n".write(toFile: folder + "/old.txt", atomically: true, encoding: .utf8)
            return folder + "/old.txt"
        }, message: { "\($0) already exists; --output writes a new file only, so an old token is never overwritten" }),
        Refusal(name: "a folder", prepare: { folder in
            try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: false)
            return folder + "/dir"
        }, message: { "\($0) is a folder; --output needs the name of a new file" }),
        Refusal(name: "a missing parent folder", prepare: { folder in folder + "/missing/token.txt" },
                message: { "cannot create \($0) for --output: the folder \(($0 as NSString).deletingLastPathComponent) does not exist" }),
        Refusal(name: "a parent that is a file", prepare: { folder in
            try "x\n".write(toFile: folder + "/plain", atomically: true, encoding: .utf8)
            return folder + "/plain/token.txt"
        }, message: { "cannot create \($0) for --output: \(($0 as NSString).deletingLastPathComponent) is not a folder" }),
    ]

    @Test(arguments: refusals)
    func anOutputThatCannotBeCreatedIsRefusedBeforeAnythingIsCommitted(_ refusal: Refusal) throws {
        let cli = try CLIFixture()
        let existing = try cli.generate("existing")
        let folder = cli.directory.file("out")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let path = try refusal.prepare(folder)
        let entriesBefore = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let before = try cli.snapshot()
        let attempts = [
            ["generate", "--store", cli.store, "--description", "d", "--expires", "+1w", "--api", "Marketplace"],
            ["regenerate", existing.id, "--store", cli.store],
            ["copy", existing.id, "--store", cli.store],
        ]
        for arguments in attempts {
            let result = try cli.pat(arguments + ["--output", path])
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr == "pat: error: \(refusal.message(path))\n", "\(arguments[0])")
            #expect(try cli.snapshot() == before, "\(arguments[0]) changed the store")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == entriesBefore)
        #expect(!FileManager.default.fileExists(atPath: folder + "/target") || refusal.name.contains("existing file"))
        // The regenerate was refused before its commit: the old value still verifies.
        let verified = try cli.pat(["verify", "--store", cli.store, "--allowed-signers", try pinnedSigners(cli),
                                    "--token-stdin", "--method", "environment.Deployment.Deploy"], stdin: existing.value)
        #expect(verified.status == 0, "\(verified.stdout)")
    }

    @Test func importRefusesABadOutputBeforeAnythingIsCommitted() throws {
        let cli = try CLIFixture()
        let file = cli.directory.file("new.jsonl")
        try #"{"description": "n", "expires": "+1d", "api": "Marketplace"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let link = cli.directory.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: cli.directory.file("nowhere"))
        let before = try cli.snapshot()
        let result = try cli.pat(["import", file, "--store", cli.store, "--output", link])
        #expect(result.stderr == "pat: error: \(link) is a symbolic link; --output writes a new file only and never follows a link\n")
        #expect(try cli.snapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: cli.directory.file("nowhere")))
    }

    @Test func aClosedStandardOutputIsRefusedBeforeAnythingIsCommitted() throws {
        let cli = try CLIFixture()
        let before = try cli.snapshot()
        var environment = cli.environment
        environment["PAT"] = patExecutable
        let script = #""$PAT" generate --store "$1" --description closed --expires +1d --api Marketplace --password-file "$2" >&-"#
        let result = try run("bash", ["-c", script, "bash", cli.store, cli.passwordFile], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr == "pat: error: standard output is closed, so the new value would have nowhere to go; give --output FILE or run pat with standard output open\n")
        #expect(try cli.snapshot() == before)

        // With --output the value has somewhere to go: fd 1 being free must not make the value file stdout.
        let file = cli.directory.file("token.txt")
        let script2 = #""$PAT" generate --store "$1" --description closed --expires +1d --api Marketplace --password-file "$2" --output "$3" --json >&-"#
        let withFile = try run("bash", ["-c", script2, "bash", cli.store, cli.passwordFile, file], environment: environment)
        #expect(withFile.status == 1, "\(withFile.stderr)")
        let value = try String(contentsOfFile: file, encoding: .utf8)
        #expect(value.hasPrefix("pat_") && value.count == 54, "\(value)")
        #expect(withFile.stderr.contains("the value is in \(file), but the summary could not be written to standard output: Bad file descriptor"))
        #expect(try tokenIDs(cli).count == 1)
    }

    // MARK: Failing after the commit: undone by a second signed commit

    struct Command: CustomTestStringConvertible, Sendable {
        let name: String
        /// The arguments, given the id of a token that exists before.
        let arguments: @Sendable (_ store: String, _ existing: String) -> [String]
        let removes: Removal
        var testDescription: String { name }
    }

    enum Removal: Sendable {
        /// The new token is removed again: the tree is exactly what it was before.
        case newToken
        /// The regenerated token is removed (its old value died with the first commit).
        case existingToken
    }

    static let commands: [Command] = [
        Command(name: "generate", arguments: { store, _ in ["generate", "--store", store, "--description", "lost", "--expires", "+1w", "--api", "Marketplace"] }, removes: .newToken),
        Command(name: "generate --json", arguments: { store, _ in ["generate", "--store", store, "--description", "lost", "--expires", "+1w", "--api", "Marketplace", "--json"] }, removes: .newToken),
        Command(name: "regenerate", arguments: { ["regenerate", $1, "--store", $0] }, removes: .existingToken),
        Command(name: "regenerate --json", arguments: { ["regenerate", $1, "--store", $0, "--json"] }, removes: .existingToken),
        Command(name: "copy", arguments: { ["copy", $1, "--store", $0, "--description", "lost copy"] }, removes: .newToken),
    ]

    enum Sink: String, CaseIterable, Sendable {
        case devFull = "/dev/full"
        case closedPipe = "a pipe whose reader has gone"

        var reason: String { self == .devFull ? "No space left on device" : "Broken pipe" }

        func open() throws -> FileHandle {
            switch self {
            case .devFull:
                return try #require(FileHandle(forWritingAtPath: "/dev/full"))
            case .closedPipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
                close(ends[0])
                return FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
            }
        }
    }

    @Test(arguments: commands, Sink.allCases)
    func aValueThatCannotBeWrittenToStdoutIsRemovedAgain(_ command: Command, _ sink: Sink) throws {
        let cli = try CLIFixture()
        let existing = try cli.generate("existing")
        let other = try cli.generate("bystander")
        let head = try headCommit(cli)
        let result = try cli.pat(command.arguments(cli.store, existing.id), stdout: try sink.open())

        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("pat_"), "a value leaked to stderr")
        let commits = try git(["rev-list", "--reverse", "\(head)..main"], in: cli.store).stdout.split(separator: "\n").map(String.init)
        try #require(commits.count == 2, "\(result.stderr)")
        let (made, undo) = (commits[0], commits[1])
        let token = try #require(try trailers(cli, made, "Pat-Token").first)
        let destination = "standard output"
        switch command.removes {
        case .newToken:
            #expect(result.stderr == "pat: error: token \(token) was committed in \(made.prefix(10)), but its value could not be written to \(destination): \(sink.reason); a second commit \(undo.prefix(10)) removed it again\n")
            #expect(try git(["rev-parse", "main^{tree}"], in: cli.store).stdout == git(["rev-parse", "\(head)^{tree}"], in: cli.store).stdout)
            #expect(try tokenIDs(cli) == [existing.id, other.id].sorted())
        case .existingToken:
            #expect(token == existing.id)
            #expect(result.stderr == "pat: error: token \(token) got a new value in \(made.prefix(10)), but it could not be written to \(destination): \(sink.reason); as its old value stopped working with that commit, a second commit \(undo.prefix(10)) removed the token\n")
            #expect(try tokenIDs(cli) == [other.id])
        }
        #expect(try trailers(cli, undo, "Pat-Operation") == ["remove"])
        #expect(try trailers(cli, undo, "Pat-Token") == [token])
        #expect(try trailers(cli, undo, "Pat-Undoes") == [made])
        #expect(try git(["log", "-1", "--format=%s", undo], in: cli.store).stdout.hasSuffix("(value not delivered)\n"))
        try expectVerified(cli, [made, undo])
    }

    @Test func regeneratingSeveralTokensIntoAFullStdoutRemovesThemAll() throws {
        let cli = try CLIFixture()
        let a = try cli.generate("a"), b = try cli.generate("b")
        let head = try headCommit(cli)
        let result = try cli.pat(["regenerate", a.id, b.id, "--store", cli.store], stdout: try Sink.devFull.open())
        #expect(result.status == 1)
        let commits = try git(["rev-list", "--reverse", "\(head)..main"], in: cli.store).stdout.split(separator: "\n").map(String.init)
        try #require(commits.count == 2)
        let ids = [a.id, b.id]
        #expect(result.stderr == "pat: error: 2 tokens got new values in \(commits[0].prefix(10)), but they could not be written to standard output: No space left on device; as their old values stopped working with that commit, a second commit \(commits[1].prefix(10)) removed the tokens \(ids.joined(separator: ", "))\n")
        #expect(try tokenIDs(cli).isEmpty)
        #expect(try trailers(cli, commits[0], "Pat-Token") == ids)
        #expect(try trailers(cli, commits[1], "Pat-Token") == ids)
        try expectVerified(cli, commits)
    }

    /// The value went to the --output file; only the JSON summary could not be printed. The token stays.
    @Test func aSummaryThatCannotBePrintedKeepsTheDeliveredToken() throws {
        let cli = try CLIFixture()
        let file = cli.directory.file("token.txt")
        let result = try cli.pat(["generate", "--store", cli.store, "--description", "to file", "--expires", "+1w",
                                  "--api", "Marketplace", "--output", file, "--json"], stdout: try Sink.devFull.open())
        #expect(result.status == 1)
        let commit = try headCommit(cli)
        #expect(result.stderr == "pat: error: the change is committed in \(commit.prefix(10)) and the value is in \(file), but the summary could not be written to standard output: No space left on device\n")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("pat_"))
        #expect(try tokenIDs(cli).count == 1)
    }

    // MARK: A full disk under --output

    struct FileCommand: CustomTestStringConvertible, Sendable {
        let name: String
        let run: @Sendable (CLIFixture, _ output: String, _ existing: [String]) throws -> ProcessResult
        let message: @Sendable (_ tokens: [String], _ made: String, _ undo: String, _ output: String) -> String
        let treeRestored: Bool
        var testDescription: String { name }
    }

    static let fileCommands: [FileCommand] = [
        FileCommand(name: "generate", run: { cli, output, _ in
            try cli.pat(["generate", "--store", cli.store, "--description", "lost", "--expires", "+1w", "--api", "Marketplace", "--output", output])
        }, message: { tokens, made, undo, output in
            "token \(tokens[0]) was committed in \(made), but its value could not be written to \(output): No space left on device; a second commit \(undo) removed it again"
        }, treeRestored: true),
        FileCommand(name: "generate > a file on the full disk", run: { cli, output, _ in
            FileManager.default.createFile(atPath: output, contents: nil)
            let stdout = try #require(FileHandle(forWritingAtPath: output))
            defer { try? FileManager.default.removeItem(atPath: output) }
            return try cli.pat(["generate", "--store", cli.store, "--description", "lost", "--expires", "+1w", "--api", "Marketplace"],
                               stdout: stdout)
        }, message: { tokens, made, undo, _ in
            "token \(tokens[0]) was committed in \(made), but its value could not be written to standard output: No space left on device; a second commit \(undo) removed it again"
        }, treeRestored: true),
        FileCommand(name: "regenerate several", run: { cli, output, existing in
            try cli.pat(["regenerate"] + existing + ["--store", cli.store, "--output", output])
        }, message: { tokens, made, undo, output in
            "2 tokens got new values in \(made), but they could not be written to \(output): No space left on device; as their old values stopped working with that commit, a second commit \(undo) removed the tokens \(tokens.joined(separator: ", "))"
        }, treeRestored: false),
        FileCommand(name: "import", run: { cli, output, _ in
            let file = cli.directory.file("import.jsonl")
            try [#"{"description": "one", "expires": "+1d", "api": "Marketplace"}"#,
                 #"{"description": "two", "expires": "+1d", "api": "Marketplace"}"#,
                 #"{"description": "kept", "expires": "+1d", "api": "Marketplace", "hash": "sha256:\#(String(repeating: "ab", count: 32))"}"#]
                .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            return try cli.pat(["import", file, "--store", cli.store, "--output", output])
        }, message: { tokens, made, undo, output in
            "3 imported tokens were committed in \(made), but their 2 new values could not be written to \(output): No space left on device; a second commit \(undo) removed all 3 again, so the import can be run again as it is"
        }, treeRestored: true),
    ]

    @Test(.enabled(if: SmallFilesystem.isAvailable, "needs root and a kernel that lets the test mount a tmpfs"),
          arguments: fileCommands)
    func aValueThatCannotBeWrittenToAFullDiskIsRemovedAgain(_ command: FileCommand) throws {
        let cli = try CLIFixture()
        let existing = [try cli.generate("a").id, try cli.generate("b").id].sorted()
        let head = try headCommit(cli)
        let disk = try SmallFilesystem()
        try disk.fill()
        let output = disk.file("token.txt")
        let result = try command.run(cli, output, existing)

        #expect(result.status == 1, "\(result.stderr)")
        let commits = try git(["rev-list", "--reverse", "\(head)..main"], in: cli.store).stdout.split(separator: "\n").map(String.init)
        try #require(commits.count == 2, "\(result.stderr)")
        let tokens = try trailers(cli, commits[0], "Pat-Token")
        #expect(result.stderr == "pat: error: \(command.message(tokens, String(commits[0].prefix(10)), String(commits[1].prefix(10)), output))\n")
        #expect(!FileManager.default.fileExists(atPath: output), "the partial output file is left behind")
        if command.treeRestored {
            #expect(try git(["rev-parse", "main^{tree}"], in: cli.store).stdout == git(["rev-parse", "\(head)^{tree}"], in: cli.store).stdout)
        } else {
            #expect(try tokenIDs(cli).isEmpty)
        }
        #expect(try trailers(cli, commits[1], "Pat-Operation") == ["remove"])
        #expect(try trailers(cli, commits[1], "Pat-Token") == tokens)
        try expectVerified(cli, commits)
    }

    // MARK: Helpers

    func headCommit(_ cli: CLIFixture) throws -> String {
        try git(["rev-parse", "main"], in: cli.store).stdout.trimmingCharacters(in: .newlines)
    }

    func tokenIDs(_ cli: CLIFixture) throws -> [String] {
        let list = try cli.pat(["list", "--store", cli.store, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        return (object["tokens"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
    }

    func trailers(_ cli: CLIFixture, _ commit: String, _ key: String) throws -> [String] {
        try git(["log", "-1", "--format=%(trailers:key=\(key),valueonly)", commit], in: cli.store).stdout
            .split(separator: "\n").map(String.init)
    }

    func pinnedSigners(_ cli: CLIFixture) throws -> String {
        let path = cli.directory.file("pinned_signers")
        try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Stock git accepts each commit's signature.
    func expectVerified(_ cli: CLIFixture, _ commits: [String]) throws {
        let signers = try pinnedSigners(cli)
        for commit in commits {
            let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit], in: cli.store)
            #expect(verified.status == 0, "\(commit): \(verified.stderr)")
            #expect(verified.stderr.contains("Good \"git\" signature for alice@example.com"))
        }
    }
}
