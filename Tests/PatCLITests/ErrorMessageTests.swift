import Foundation
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
        Case(arguments: ["generate", "--store", "STORE", "--description", "d", "--expires", "01-01-2001", "--api", "Marketplace"],
             message: "pat: error: expiry date 01-01-2001 is in the past"),
        Case(arguments: ["generate", "--store", "STORE", "--description", "", "--expires", "+1y", "--method", "environment.control.stopenvx"],
             message: "pat: error: description is empty\npat: error: unknown API method 'environment.control.stopenvx'; did you mean environment.Control.StopEnv, environment.Control.SleepEnv, environment.Control.StartEnv?"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/missing"],
             message: "pat: error: signing key KEYDIR/missing: cannot read key file KEYDIR/missing: no such file"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/garbage"],
             message: "pat: error: signing key KEYDIR/garbage: not an OpenSSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----)"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/rsa"],
             message: "pat: error: signing key KEYDIR/rsa: unsupported key type ssh-rsa: pat signs with ssh-ed25519 keys only"),
        Case(arguments: generate + ["--api", "Marketplace", "--signing-key", "KEYDIR/other"],
             message: "pat: error: the signing key FINGERPRINT is not in the store's allowed_signers file, so its commits would not verify"),
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

    @Test(arguments: [
        (["remove", "--store", "x"], "Error: give the ids of the tokens to remove, or --all"),
        (["list", "--active", "--expired"], "Error: give --active or --expired, not both"),
        (["generate", "--description", "x"], "Error: Missing expected argument '--expires <date>'"),
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
