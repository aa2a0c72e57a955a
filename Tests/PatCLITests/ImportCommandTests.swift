import Foundation
import PatCore
import PatTestSupport
import Testing

@Suite struct ImportCommandTests {
    @Test func manyTokensArriveInOneSignedCommit() throws {
        let cli = try CLIFixture()
        let kept = TokenSecret.generate(prefix: "pat").value
        let lines = [
            #"{"description": "from the old system", "expires": "+30d", "api": "Maven Plugin", "token": "\#(kept)"}"#,
            #"{"description": "hash only", "expires": "31-12-2026", "methods": ["env.control.stopenv"], "hash": "\#(TokenSecret.generate(prefix: "pat").hashField)"}"#,
            "# a comment",
            #"{"description": "new value", "expires": "+1w", "api": "marketplace"}"#,
        ]
        let file = cli.directory.file("tokens.jsonl")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let output = cli.directory.file("values.txt")
        let result = try cli.pat(["import", file, "--store", cli.store, "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("import: 3 tokens in commit "))
        let values = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(values.count == 1)
        #expect((try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int) == 0o600)
        #expect(try git(["rev-list", "--count", "main"], in: cli.store).stdout == "2\n")
        let trailers = try git(["log", "-1", "--format=%(trailers:key=Pat-Operation,valueonly)%(trailers:key=Pat-Token-Count,valueonly)"], in: cli.store).stdout
        #expect(trailers == "import\n3\n\n")

        // The kept value and the new one both work with the verifier.
        let pinned = cli.directory.file("pinned")
        try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
        for (token, method) in [(kept, "environment.Deployment.Deploy"), (String(values[0].split(separator: " ")[1]), "marketplace.Jps.Install")] {
            let verified = try cli.pat(["verify", "--store", cli.store, "--allowed-signers", pinned, "--token-stdin", "--method", method], stdin: token)
            #expect(verified.status == 0, "\(verified.stdout)")
        }
    }

    /// One run reports every problem of every line, what reading finds (not JSON, a duplicate key, wrong types)
    /// and what the store finds (dates, presets, values already in it) together, in the order of the lines; a file
    /// with problems asks for no password, since nothing would be committed.
    @Test func everyBadLineIsReportedAtOnceAndNothingIsWritten() throws {
        let cli = try CLIFixture()
        let existing = try cli.generate("already here")
        let before = try cli.snapshot()
        let file = cli.directory.file("bad.jsonl")
        try [
            #"{"description": "", "expires": "+1d", "api": "Marketplace"}"#,
            #"{"description": "ok", "expires": "yesterday", "api": "Nope"}"#,
            "  not json",
            #"{"description": "dup", "expires": "+1d", "api": "Marketplace", "token": "\#(existing.value)"}"#,
            #"{"description": "x", "expires": "+1d", "api": "Marketplace", "colour": "red"}"#,
            #"{"description": "first", "expires": "+1d", "api": "Marketplace", "description": "second"}"#,
            #"{"description": 7, "expires": "+1d", "methods": ["a.b.C", 1], "token": false}"#,
            "",
            "# a comment",
            #"{"description": "fine", "expires": "+1d", "api": "Marketplace"}"#,
            #"["description"]"#,
        ].joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let expected = """
            pat: error: line 1: description is empty
            pat: error: line 2: expiry date 'yesterday' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny
            pat: error: line 2: unknown preset 'Nope'; known presets: Extended Access, IDE Plugins, Marketplace, Maven Plugin, Custom
            pat: error: line 3: not valid JSON: unexpected character at column 3
            pat: error: line 4: the same token value is already in the store or the file
            pat: error: line 5: unknown field colour
            pat: error: line 6: not valid JSON: duplicate key 'description' at column 66
            pat: error: line 7: 'description' must be a string
            pat: error: line 7: 'token' must be a string
            pat: error: line 7: 'methods' must be a list of strings
            pat: error: line 11: not a JSON object

            """
        let result = try cli.pat(["import", file, "--store", cli.store, "--output", cli.directory.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr == expected)
        let withoutPassword = try cli.pat(["import", file, "--store", cli.store], password: false)
        #expect(withoutPassword.stderr == expected)
        #expect(try cli.snapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: cli.directory.file("out")))
    }

    @Test func aFileWithNothingToImportSaysWhy() throws {
        let cli = try CLIFixture()
        let before = try cli.snapshot()
        let empty = cli.directory.file("empty.jsonl")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let comments = cli.directory.file("comments.jsonl")
        try "# nothing yet\n\n".write(toFile: comments, atomically: true, encoding: .utf8)
        let cases: [(arguments: [String], stdin: String?, message: String)] = [
            ([empty], nil, "token input: import file \(empty) is empty: it should hold one JSON object per line"),
            (["-"], "", "token input: standard input is empty: the import reads one JSON object per line"),
            ([comments], nil, "the file has no tokens"),
            ([cli.directory.path], nil, "token input: import file \(cli.directory.path) is a folder, not a file"),
            ([cli.directory.file("missing.jsonl")], nil, "token input: cannot read import file \(cli.directory.file("missing.jsonl")): no such file"),
        ]
        for (arguments, stdin, message) in cases {
            let result = try cli.pat(["import"] + arguments + ["--store", cli.store, "--output", cli.directory.file("out")], stdin: stdin)
            #expect(result.stderr == "pat: error: \(message)\n")
            #expect(result.status == 1)
        }
        #expect(try cli.snapshot() == before)
    }

    @Test func newValuesNeedAnOutputFile() throws {
        let cli = try CLIFixture()
        let file = cli.directory.file("one.jsonl")
        try #"{"description": "n", "expires": "+1d", "api": "Marketplace"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try cli.pat(["import", file, "--store", cli.store])
        #expect(result.stderr == "pat: error: token input: 1 token gets a new value: give --output FILE to receive it\n")
    }
}
