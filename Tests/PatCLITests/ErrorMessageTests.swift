import Foundation
import PatCore
import PatTestSupport
import Testing

/// Every kind of bad input through the real command: the exact message, exit code 1, and the store untouched.
@Suite struct ErrorMessageTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        let message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let generate = ["generate", "--store", "STORE", "--description", "d", "--expires", "+5d"]

    static let cases: [Case] = [
        Case(arguments: generate + ["--api", "Everything"],
             message: "pat: error: unknown preset 'Everything'; known presets: Extended Access, IDE Plugins, Marketplace, Maven Plugin, Custom"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "d", "--expires", "2026-02-30", "--api", "Marketplace"],
             message: "pat: error: expiry date '2026-02-30' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"),
        // -1d looks like an option to an argument parser; it is taken as the value and explained, with or without =.
        Case(arguments: ["generate", "--store", "STORE", "--description", "d", "--expires", "-1d", "--api", "Marketplace"],
             message: "pat: error: expiry date '-1d' counts backwards: relative dates count forward from today, so write +1d (or a date: dd-mm-yyyy, yyyy-mm-dd)"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "d", "--expires=-1d", "--api", "Marketplace"],
             message: "pat: error: expiry date '-1d' counts backwards: relative dates count forward from today, so write +1d (or a date: dd-mm-yyyy, yyyy-mm-dd)"),
        Case(arguments: ["edit", "0123456789abcdef", "--store", "STORE", "--expires", "-2w"],
             message: "pat: error: expiry date '-2w' counts backwards: relative dates count forward from today, so write +2w (or a date: dd-mm-yyyy, yyyy-mm-dd)"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "d", "--expires", "01-01-2001", "--api", "Marketplace"],
             message: "pat: error: expiry date 01-01-2001 is in the past"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "", "--expires", "+1y", "--method", "environment.control.stopenvx"],
             message: "pat: error: description is empty\npat: error: unknown API method 'environment.control.stopenvx'; did you mean environment.Control.StopEnv, environment.Control.SleepEnv, environment.Control.StartEnv?"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/missing"],
             message: "pat: error: signing key KEYDIR/missing: cannot read key file KEYDIR/missing: no such file"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/garbage"],
             message: "pat: error: signing key KEYDIR/garbage: not an SSH key file (expected a public key line, ssh-ed25519 AAAA..., or -----BEGIN OPENSSH PRIVATE KEY-----)"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/rsa"],
             message: "pat: error: only ssh-ed25519 keys can sign; KEYDIR/rsa is an ssh-rsa private key (make an ed25519 key with 'ssh-keygen -t ed25519', or let 'pat init' make one)"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/ecdsa.pub"],
             message: "pat: error: only ssh-ed25519 keys can sign; KEYDIR/ecdsa.pub is an ecdsa-sha2-nistp256 public key (make an ed25519 key with 'ssh-keygen -t ed25519', or let 'pat init' make one)"),
        Case(arguments: ["signers", "add", "bob@example.com", "KEYDIR/ecdsa.pub", "--store", "STORE"],
             message: "pat: error: only ssh-ed25519 keys are supported; KEYDIR/ecdsa.pub is an ecdsa-sha2-nistp256 public key (the signer makes an ed25519 key with 'ssh-keygen -t ed25519' and sends you its .pub file)"),
        Case(arguments: ["signers", "add", "bob@example.com", "KEYDIR/ecdsa", "--store", "STORE"],
             message: "pat: error: only ssh-ed25519 keys are supported; KEYDIR/ecdsa is an ecdsa-sha2-nistp256 private key (the signer makes an ed25519 key with 'ssh-keygen -t ed25519' and sends you its .pub file)"),
        Case(arguments: ["signers", "add", "bob@example.com", "KEYDIR/rsa.pub", "--store", "STORE"],
             message: "pat: error: only ssh-ed25519 keys are supported; KEYDIR/rsa.pub is an ssh-rsa public key (the signer makes an ed25519 key with 'ssh-keygen -t ed25519' and sends you its .pub file)"),
        Case(arguments: ["signers", "add", "bob@example.com", "KEYDIR/pem", "--store", "STORE"],
             message: "pat: error: only ssh-ed25519 keys are supported; KEYDIR/pem is an ssh-rsa private key in PEM format (the signer makes an ed25519 key with 'ssh-keygen -t ed25519' and sends you its .pub file)"),
        Case(arguments: ["signers", "add", "bob@example.com", "KEYDIR/garbage", "--store", "STORE"],
             message: "pat: error: signer key KEYDIR/garbage: not an SSH key file (expected a public key line, ssh-ed25519 AAAA..., or -----BEGIN OPENSSH PRIVATE KEY-----)"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/other"],
             message: "pat: error: the signing key FINGERPRINT is not in the store's allowed_signers file, so its commits would not verify"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "deploy \u{202E}gnp.exe", "--expires", "+5d", "--api", "Marketplace"],
             message: "pat: error: description contains bidirectional text controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which make text display reordered"),
        Case(arguments: ["edit", "0123456789abcdef", "--store", "STORE", "--description", "x"],
             message: "pat: error: no token with id 0123456789abcdef in this store"),
        Case(arguments: ["remove", "XYZ", "--store", "STORE"],
             message: "pat: error: 'XYZ' is not a token id (16 lower-case hex characters, as 'pat list' shows)"),
        Case(arguments: ["show", "0123456789abcdef", "--store", "STORE"],
             message: "pat: error: no token with id 0123456789abcdef in this store"),
        Case(arguments: ["list", "--store", "KEYDIR/nowhere"],
             message: "pat: error: no store at KEYDIR/nowhere: create one with 'pat init --store KEYDIR/nowhere --signing-key KEY'"),
        Case(arguments: ["list", "--store", "KEYDIR"],
             message: "pat: error: KEYDIR is not a pat store: it is not a git repository"),
        Case(arguments: ["init", "--store", "STORE", "--signing-key", "KEYDIR/id_ed25519"],
             message: "pat: error: a store already exists at STORE"),
        Case(arguments: ["presets", "nothing"],
             message: "pat: error: unknown preset 'nothing'; known presets: Extended Access, IDE Plugins, Marketplace, Maven Plugin"),
    ]

    @Test(arguments: cases)
    func badInputGetsOneClearErrorAndChangesNothing(_ testCase: Case) throws {
        let cli = try CLIFixture()
        let keys = cli.directory.path
        try "garbage\n".write(toFile: keys + "/garbage", atomically: true, encoding: .utf8)
        _ = try sshKeygen(in: cli.directory, name: "rsa", type: "rsa")
        _ = try sshKeygen(in: cli.directory, name: "ecdsa", type: "ecdsa")
        try run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", keys + "/pem"])
        let other = try sshKeygen(in: cli.directory, name: "other", comment: "mallory", passphrase: CLIFixture.password)
        let fingerprint = try run("ssh-keygen", ["-l", "-f", other]).stdout.split(separator: " ")[1]
        let before = try cli.snapshot()
        let arguments = testCase.arguments.map {
            $0.replacingOccurrences(of: "STORE", with: cli.store).replacingOccurrences(of: "KEYDIR", with: keys)
        }
        let result = try cli.pat(arguments)
        let expected = testCase.message.replacingOccurrences(of: "STORE", with: cli.store)
            .replacingOccurrences(of: "KEYDIR", with: keys).replacingOccurrences(of: "FINGERPRINT", with: String(fingerprint))
        #expect(result.stderr == expected + "\n")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(try cli.snapshot() == before)
    }

    @Test func aDamagedStoreFileIsNamed() throws {
        let cli = try CLIFixture()
        let (id, _) = try cli.generate("fine")
        // Break the token's file with plain git, the way a bad hand edit or merge would.
        let work = cli.directory.file("work")
        try git(["clone", "-q", cli.store, work])
        let path = "tokens/\(id.prefix(2))/\(id).json"
        try "{ not json".write(toFile: work + "/" + path, atomically: true, encoding: .utf8)
        try git(["commit", "-q", "-am", "hand edit"], in: work)
        try git(["push", "-q", "origin", "main"], in: work)
        let before = try cli.snapshot()
        for arguments in [["list"], ["show", id], ["remove", "--all"]] {
            let result = try cli.pat(arguments + ["--store", cli.store])
            #expect(result.stderr == "pat: error: store file \(path) is damaged: not valid JSON\n", "\(arguments)")
            #expect(result.status == 1)
        }
        #expect(try cli.snapshot() == before)
    }

    /// A crashed writer's `main.lock`: one refusal naming the file, its age and what to do, and nothing written.
    @Test func aStaleBranchLockIsNamed() throws {
        let cli = try CLIFixture()
        let lock = cli.store + "/refs/heads/main.lock"
        let modified = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3 * 86_400 - 60).rounded(.down))
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: lock)
        let before = try cli.snapshot()
        let objects = try FileManager.default.subpathsOfDirectory(atPath: cli.store + "/objects").sorted()
        let result = try cli.pat(Self.generate.map { $0 == "STORE" ? cli.store : $0 } + ["--api", "Marketplace"])
        #expect(result.stderr == "pat: error: the branch main is locked: \(lock) exists, last modified \(Timestamp.format(modified)) (3 days ago). "
            + "git and pat hold this file only while they move the branch, so one that crashed left it behind; "
            + "if no pat or git process is using the store, remove it (rm \(lock)) and try again. The store is unchanged\n")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(try cli.snapshot() == before)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: cli.store + "/objects").sorted() == objects)
    }

    /// git's safe.directory rule refuses a store another user owns: the message says so, names the owner, and
    /// gives the command that allows it, which then works.
    @Test(.enabled(if: getuid() == 0, "giving the store to another user (chown) needs root"))
    func aStoreOwnedByAnotherUserNamesSafeDirectory() throws {
        let cli = try CLIFixture()
        try run("chown", ["-R", "65534", cli.store])
        let owner = try FileManager.default.attributesOfItem(atPath: cli.store)[.ownerAccountName] as? String
        let named = owner.map { "\($0) (uid 65534)" } ?? "uid 65534"
        let result = try cli.pat(["list", "--store", cli.store])
        #expect(result.stderr == "pat: error: \(cli.store) belongs to \(named), not to the user running pat (uid 0), so git's safe.directory check "
            + "refuses to open it (a repository someone else controls could make git run their configuration as you). "
            + "If you trust it, allow it with: git config --global --add safe.directory \(cli.store)\n")
        #expect(result.status == 1)
        // The advice works (the fixture's global config is its own home's).
        try git(["config", "--file", cli.directory.file(".gitconfig"), "--add", "safe.directory", cli.store])
        let allowed = try cli.pat(["list", "--store", cli.store])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    /// A description with a bidirectional override that got in by a hand-made commit is shown escaped, so the
    /// terminal cannot display it reversed.
    @Test func aStoredBidiControlIsShownEscaped() throws {
        let cli = try CLIFixture()
        let (id, _) = try cli.generate("placeholder")
        let work = cli.directory.file("work")
        try git(["clone", "-q", cli.store, work])
        let path = work + "/tokens/\(id.prefix(2))/\(id).json"
        let crafted = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"placeholder\"", with: "\"invoice \u{202E}fdp.exe \\u001b[2J\"")
        try crafted.write(toFile: path, atomically: true, encoding: .utf8)
        try git(["commit", "-q", "-am", "hand \u{202E}tide"], in: work)
        try git(["push", "-q", "origin", "main"], in: work)
        let log = try cli.pat(["log", "--store", cli.store, "-n", "1"])
        #expect(log.stdout.contains("hand \\u{202E}tide\n"), "\(log.stdout)")
        #expect(!log.stdout.unicodeScalars.contains { $0.value == 0x202E })
        let list = try cli.pat(["list", "--store", cli.store])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("invoice \\u{202E}fdp.exe \\u{001B}[2J\n"), "\(list.stdout)")
        #expect(!list.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B })
        let show = try cli.pat(["show", id, "--store", cli.store])
        #expect(show.stdout.contains("Description  invoice \\u{202E}fdp.exe \\u{001B}[2J\n"), "\(show.stdout)")
        #expect(!show.stdout.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B })
        // --json is data for programs: the exact text, JSON-escaped where JSON needs it.
        let json = try cli.pat(["list", "--store", cli.store, "--json"])
        #expect(json.stdout.contains("invoice \u{202E}fdp.exe"))
        let removed = try cli.pat(["remove", id, "--store", cli.store])
        #expect(removed.stdout == "remove: token \(id) \"invoice \\u{202E}fdp.exe \\u{001B}[2J\"\n", "\(removed.stderr)")
    }

    /// Bytes that are not UTF-8 in an argument would be replaced by U+FFFD without a word: refused, naming the
    /// argument, before anything runs.
    @Test func anArgumentThatIsNotUTF8IsRefused() throws {
        let cli = try CLIFixture()
        let before = try cli.snapshot()
        var environment = cli.environment
        environment["PAT"] = patExecutable
        let cases: [(script: String, message: String)] = [
            (#""$PAT" generate --store "$1" --description "caf$(printf '\351')" --expires +1d --api Marketplace --password-file "$2""#,
             "argument 5 (after --description) is not valid UTF-8: caf\\xE9"),
            (#""$PAT" generate --store "$1" --description="caf$(printf '\351') cr$(printf '\350\033')me" --expires +1d --api Marketplace --password-file "$2""#,
             "the value of --description (argument 4) is not valid UTF-8: caf\\xE9 cr\\xE8\\u{001B}me"),
            (#""$PAT" list --store "$(printf '\377')""#, "argument 3 (after --store) is not valid UTF-8: \\xFF"),
        ]
        for (script, message) in cases {
            let result = try run("bash", ["-c", script, "bash", cli.store, cli.passwordFile], environment: environment)
            #expect(result.stderr == "pat: error: \(message) (\\x marks the bytes that are not); pat reads its arguments as UTF-8 text, so check the encoding of the terminal or script that passed it\n")
            #expect(result.status == 64)
            #expect(result.stdout.isEmpty)
        }
        #expect(try cli.snapshot() == before)
    }

    /// A token value given where a method, an id or an argument was expected is never echoed: not in pat's own
    /// errors, not in ArgumentParser's, not in what verify prints.
    @Test func aTokenValueInTheWrongPlaceIsNeverEchoed() throws {
        let cli = try CLIFixture()
        let (id, value) = try cli.generate("real")
        let body = String(value.dropFirst(4))
        let before = try cli.snapshot()
        let pinned = cli.directory.file("pinned")
        try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
        let refusals: [(arguments: [String], status: Int32, stderr: String?)] = [
            (["generate", "--store", cli.store, "--description", "d", "--expires", "+1d", "--method", value], 1, nil),
            (["remove", value, "--store", cli.store], 1,
             "pat: error: <a token value, not shown> is not a token id (16 lower-case hex characters, as 'pat list' shows)\n"),
            (["show", "pat_" + body.prefix(30), "--store", cli.store], 1,
             "pat: error: <a token value, not shown> is not a token id (16 lower-case hex characters, as 'pat list' shows)\n"),
            (["list", "--store", cli.store, value], 64, nil),
            (["list", "--store", cli.store, "--" + value], 64, nil),
        ]
        for (arguments, status, stderr) in refusals {
            let result = try cli.pat(arguments)
            #expect(result.status == status, "\(arguments)")
            #expect(!result.stderr.contains(body.prefix(20)), "\(result.stderr)")
            #expect(result.stderr.contains("<a token value, not shown>"), "\(result.stderr)")
            if let stderr { #expect(result.stderr == stderr) }
        }
        let generate = try cli.pat(refusals[0].arguments)
        #expect(generate.stderr.hasPrefix("pat: error: unknown API method <a token value, not shown>"), "\(generate.stderr)")

        let verifications: [(method: String, stdout: String)] = [
            (value, "denied (8205): <a token value, not shown> is not an API method (group.Service.Method)\n"),
            ("environment.Control." + value, "denied (8202): permission denied: token \(id) does not grant <a token value, not shown>\n"),
        ]
        for (method, stdout) in verifications {
            let result = try cli.pat(["verify", "--store", cli.store, "--allowed-signers", pinned, "--token-stdin", "--method", method], stdin: value)
            #expect(result.stdout == stdout, "\(result.stderr)")
            let json = try cli.pat(["verify", "--store", cli.store, "--allowed-signers", pinned, "--token-stdin", "--method", method, "--json"], stdin: value)
            #expect(!json.stdout.contains(body.prefix(20)), "\(json.stdout)")
        }
        #expect(try cli.snapshot() == before)
    }

    @Test(arguments: [
        (["remove", "--store", "x"], "Error: give the ids of the tokens to remove, or --all"),
        (["list", "--active", "--expired"], "Error: give --active or --expired, not both"),
        (["generate", "--description", "x"], "Error: Missing expected argument '--expires <date>'"),
        (["generate", "--description", "x", "--expires", "--api", "Marketplace"], "Error: Missing value for '--expires <date>'"),
        (["log", "-n", "0"], "Error: -n must be at least 1"),
        (["serve", "--threads", "0"], "Error: --threads takes 1 to 256"),
        (["serve", "--listen", "8080"], "Error: --listen takes HOST:PORT, e.g. 127.0.0.1:8080"),
        (["serve", "--max-connections", "0"], "Error: --max-connections takes 1 to 1000000"),
        (["serve", "--idle-timeout", "0"], "Error: --idle-timeout takes 0.1 to 86400 seconds"),
        (["serve", "--header-timeout", "5000"], "Error: --header-timeout takes 0.1 to 3600 seconds"),
    ])
    func argumentMistakesAreCaughtBeforeAnythingRuns(arguments: [String], message: String) throws {
        let cli = try CLIFixture(initialise: false)
        let result = try cli.pat(arguments)
        #expect(result.stderr.hasPrefix(message))
        #expect(result.status == 64)
    }
}
