import Foundation
import PatTestSupport
import Testing

/// Every change is confirmed with the key's password: through the actual command, with real keys.
@Suite struct PasswordTests {
    @Test func initWithoutAKeyMakesAProtectedOneInPatHome() throws {
        let cli = try CLIFixture(initialise: false)
        let result = try cli.pat(["init", "--store", cli.store, "--principal", "alice@example.com"])
        #expect(result.status == 0, "\(result.stderr)")
        let key = cli.directory.file("pat-home/signing_key")
        #expect(result.stderr.contains("Created a new ed25519 signing key \(key), protected by your password"))
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        let opened = try run("ssh-keygen", ["-y", "-P", CLIFixture.password, "-f", key])
        #expect(opened.status == 0, "\(opened.stderr)")
        let signers = try git(["show", "main:allowed_signers"], in: cli.store).stdout
        #expect(signers == "alice@example.com namespaces=\"git\" \(opened.stdout.split(separator: " ").prefix(2).joined(separator: " "))\n")
        // Later commands find the key by themselves and ask for its password.
        #expect(try cli.pat(["generate", "--store", cli.store, "--description", "x", "--expires", "+1d", "--api", "Marketplace"]).status == 0)
    }

    @Test func wrongEmptyOrMissingPasswordsChangeNothingAndAreNeverShown() throws {
        let cli = try CLIFixture()
        let before = try cli.snapshot()
        let generate = ["generate", "--store", cli.store, "--description", "x", "--expires", "+1d", "--api", "Marketplace"]
        let wrongFile = cli.directory.file("wrong")
        try "Tr0ub4dor&3\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        let cases: [([String], String?, String)] = [
            (["--password-file", wrongFile], nil, "pat: error: signing key \(cli.keyPath): wrong password for the key\n"),
            (["--password-stdin"], "Tr0ub4dor&3\n", "pat: error: signing key \(cli.keyPath): wrong password for the key\n"),
            (["--password-stdin"], "\n", "pat: error: the password is empty\n"),
            (["--password-file", cli.directory.file("nope")], nil, "pat: error: cannot read password file \(cli.directory.file("nope")): no such file\n"),
            ([], nil, "pat: error: the signing key needs its password and there is no terminal to ask: give --password-file or --password-stdin\n"),
        ]
        for (extra, stdin, message) in cases {
            let result = try cli.pat(generate + extra, stdin: stdin, password: false)
            #expect(result.status == 1)
            #expect(result.stderr == message, "\(extra)")
            #expect(result.stdout.isEmpty)
            #expect(!result.stderr.contains("Tr0ub4dor"))
        }
        #expect(try cli.snapshot() == before)
        let right = try cli.pat(generate + ["--password-stdin"], stdin: CLIFixture.password + "\n", password: false)
        #expect(right.status == 0, "\(right.stderr)")
    }

    /// On a terminal pat asks for the password itself, without echoing it (a real pty, made by script(1)).
    @Test func theTerminalPromptDoesNotEcho() throws {
        let cli = try CLIFixture()
        let command = [patExecutable, "generate", "--store", cli.store, "--description", "typed", "--expires", "+1d", "--api", "Marketplace"]
            .map { "'\($0)'" }.joined(separator: " ")
        // The password is typed a moment later, once pat has turned echo off.
        let typed = "(sleep 1; printf '%s\\n' '\(CLIFixture.password)') | script -q -e -c \"\(command)\" /dev/null"
        let result = try run("bash", ["-c", typed], environment: cli.environment)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("Password for \(cli.keyPath): "))
        #expect(result.stdout.contains("pat_"))
        #expect(!result.stdout.contains(CLIFixture.password))
        #expect(!result.stderr.contains(CLIFixture.password))
    }

    @Test func unprotectedKeysNeedAnExplicitNoPassword() throws {
        let cli = try CLIFixture(initialise: false)
        let plain = try sshKeygen(in: cli.directory, name: "plain")
        let refused = try cli.pat(["init", "--store", cli.store, "--signing-key", plain])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("pat: error: signing key \(plain) is not protected by a password"))
        #expect(!FileManager.default.fileExists(atPath: cli.store))
        let accepted = try cli.pat(["init", "--store", cli.store, "--signing-key", plain, "--no-password"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("pat: note: signing with \(plain), which has no password (--no-password)"))
        let generate = ["generate", "--store", cli.store, "--description", "x", "--expires", "+1d", "--api", "Marketplace"]
        #expect(try cli.pat(generate, password: false).status == 1)
        #expect(try cli.pat(generate + ["--no-password"]).status == 0)
    }

    @Test func keyPasswdChangesThePassword() throws {
        let cli = try CLIFixture()
        let newFile = cli.directory.file("new-password")
        try "a much better password\n".write(toFile: newFile, atomically: true, encoding: .utf8)
        let changed = try cli.pat(["key", "passwd", "--store", cli.store, "--new-password-file", newFile])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try run("ssh-keygen", ["-y", "-P", "a much better password", "-f", cli.keyPath]).status == 0)
        let generate = ["generate", "--store", cli.store, "--description", "x", "--expires", "+1d", "--api", "Marketplace"]
        #expect(try cli.pat(generate).stderr.contains("wrong password"))
        #expect(try cli.pat(generate + ["--password-file", newFile]).status == 0)
    }

    @Test func signersComeAndGoAndARotatedOutKeyCannotWrite() throws {
        let cli = try CLIFixture()
        let bob = try sshKeygen(in: cli.directory, name: "bob", comment: "bob@example.com", passphrase: CLIFixture.password)
        let added = try cli.pat(["signers", "add", "bob@example.com", bob + ".pub", "--store", cli.store])
        #expect(added.status == 0, "\(added.stderr)")
        let duplicate = try cli.pat(["signers", "add", "bob2@example.com", bob + ".pub", "--store", cli.store])
        #expect(duplicate.stderr.hasPrefix("pat: error: the store already trusts key SHA256:"))
        let list = try cli.pat(["signers", "list", "--store", cli.store])
        #expect(list.stdout.contains("alice@example.com") && list.stdout.contains("bob@example.com"))

        // Bob can write now; after Alice removes him, he cannot.
        let generate = ["generate", "--store", cli.store, "--description", "by bob", "--expires", "+1d", "--api", "Marketplace"]
        #expect(try cli.pat(generate + ["--signing-key", bob]).status == 0)
        #expect(try cli.pat(["signers", "remove", "bob@example.com", "--store", cli.store]).status == 0)
        let refused = try cli.pat(generate + ["--signing-key", bob])
        #expect(refused.stderr.contains("is not in the store's allowed_signers file"))
        #expect(try cli.pat(["signers", "remove", "alice@example.com", "--store", cli.store]).stderr
            == "pat: error: 'alice@example.com' is the store's last signer; removing it would leave nobody able to change the store\n")

        // Alice rotates: the old key file is kept aside and can no longer write.
        let oldKey = try String(contentsOfFile: cli.keyPath, encoding: .utf8)
        let rotated = try cli.pat(["key", "rotate", "--store", cli.store, "--new-password-file", cli.passwordFile])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(try String(contentsOfFile: cli.keyPath + ".old", encoding: .utf8) == oldKey)
        #expect(try cli.pat(generate + ["--signing-key", cli.keyPath + ".old"]).stderr.contains("is not in the store's allowed_signers file"))
        #expect(try cli.pat(generate).status == 0)

        // Every commit verifies with stock git against the signers its parent trusted.
        let commits = try git(["rev-list", "main"], in: cli.store).stdout.split(separator: "\n").map(String.init)
        for commit in commits {
            let parent = try git(["rev-parse", "--verify", "-q", commit + "^"], in: cli.store).stdout.trimmingCharacters(in: .newlines)
            let signers = cli.directory.file("signers-\(commit)")
            try git(["show", (parent.isEmpty ? commit : parent) + ":allowed_signers"], in: cli.store).stdout
                .write(toFile: signers, atomically: true, encoding: .utf8)
            let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit], in: cli.store)
            #expect(verified.status == 0, "\(commit): \(verified.stderr)")
        }
        let operations = try git(["log", "--format=%(trailers:key=Pat-Operation,valueonly)"], in: cli.store).stdout
            .split(separator: "\n").filter { !$0.isEmpty }
        #expect(operations == ["generate", "key-rotate", "signers-remove", "generate", "signers-add", "init"])
    }

    /// ssh-agent holds the key (unlocked once with ssh-add); pat signs through it and asks for no password.
    @Test func signingThroughTheRealSSHAgent() throws {
        let cli = try CLIFixture()
        let socket = cli.directory.file("agent.sock")
        let agent = try BackgroundProcess("ssh-agent", ["-D", "-a", socket])
        defer { _ = agent.stop() }
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: socket) && Date() < deadline { usleep(20_000) }
        let askpass = cli.directory.file("askpass.sh")
        try "#!/bin/sh\ncat \(cli.passwordFile)\n".write(toFile: askpass, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: askpass)
        let added = try run("ssh-add", [cli.keyPath], environment: ["SSH_AUTH_SOCK": socket, "SSH_ASKPASS": askpass,
                                                                   "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"])
        #expect(added.status == 0, "\(added.stderr)")

        let generate = ["generate", "--store", cli.store, "--description", "agent", "--expires", "+1d", "--api", "Marketplace"]
        // No password option and no terminal: only the agent can make this work.
        let viaAgent = try cli.pat(generate, password: false, environment: ["SSH_AUTH_SOCK": socket])
        #expect(viaAgent.status == 0, "\(viaAgent.stderr)")
        // A public key file is enough when the agent holds the private half.
        let viaPublic = try cli.pat(generate + ["--signing-key", cli.keyPath + ".pub"], password: false, environment: ["SSH_AUTH_SOCK": socket])
        #expect(viaPublic.status == 0, "\(viaPublic.stderr)")
        let withoutAgent = try cli.pat(generate + ["--signing-key", cli.keyPath + ".pub"], password: false)
        #expect(withoutAgent.stderr.contains("is a public key, and no ssh-agent ($SSH_AUTH_SOCK) holds its private half"))

        let signers = cli.directory.file("signers")
        try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: signers, atomically: true, encoding: .utf8)
        let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", "main"], in: cli.store)
        #expect(verified.stderr.contains("Good \"git\" signature for alice@example.com"))
    }
}
