import Foundation
import PatTestSupport
import Testing

/// Token changes as pull requests, with real git: a bare origin (the store), two clones with two signers, and the
/// whole flow: branch, approve, merge, push, verify. And what the flow refuses.
@Suite struct PullRequestFlowTests {
    final class Team {
        let cli: CLIFixture
        let bobKey: String
        let alice: String
        let bob: String
        let pinned: String

        /// Origin trusts alice and bob and requires two signatures per change.
        init() throws {
            cli = try CLIFixture()
            bobKey = try sshKeygen(in: cli.directory, name: "bob", comment: "bob@example.com", passphrase: CLIFixture.password)
            pinned = cli.directory.file("pinned")
            try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
            try Self.expectOK(cli.pat(["signers", "add", "bob@example.com", bobKey + ".pub", "--store", cli.store]))
            try Self.expectOK(cli.pat(["settings", "set", "requiredApprovals", "2", "--store", cli.store]))
            alice = cli.directory.file("alice")
            bob = cli.directory.file("bob-clone")
            for clone in [alice, bob] {
                try Self.expectOK(git(["clone", "-q", cli.store, clone]))
            }
        }

        func expectOK(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try Self.expectOK(result, sourceLocation: sourceLocation)
        }

        static func expectOK(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
            guard result.status == 0 else {
                Issue.record("failed: \(result.stderr)", sourceLocation: sourceLocation)
                throw CLIFixture.SetupFailure(message: result.stderr)
            }
        }

        /// pat in a clone, as alice (default) or bob.
        func pat(_ arguments: [String], in clone: String, as key: String? = nil) throws -> ProcessResult {
            try cli.pat(arguments + ["--store", clone, "--signing-key", key ?? cli.keyPath])
        }

        func push(_ clone: String, _ branch: String) throws { try expectOK(git(["push", "-q", "origin", branch], in: clone)) }
        func fetch(_ clone: String, _ branch: String) throws {
            try expectOK(git(["fetch", "-q", "origin", "+\(branch):\(branch)"], in: clone))
        }

        func verify(_ value: String) throws -> ProcessResult {
            let file = cli.directory.file("value-\(UUID().uuidString)")
            try value.write(toFile: file, atomically: true, encoding: .utf8)
            return try cli.pat(["verify", "--store", cli.store, "--allowed-signers", pinned, "--token-file", file,
                                "--method", "environment.Control.StopEnv"])
        }

        /// alice proposes a token on a branch and pushes it.
        func propose(_ branch: String) throws -> String {
            let result = try pat(["generate", "--branch", branch, "--description", "CI", "--expires", "+30d",
                                  "--method", "environment.Control.StopEnv", "--json"], in: alice)
            try expectOK(result)
            try push(alice, branch)
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            return (object["tokens"] as! [[String: Any]])[0]["token"] as! String
        }
    }

    @Test func branchApproveMergeVerify() throws {
        let team = try Team()
        let value = try team.propose("add-ci")
        // nothing reached main yet
        #expect(try team.verify(value).status == 1)
        #expect(try git(["rev-parse", "main"], in: team.cli.store).stdout == (try git(["rev-parse", "main"], in: team.alice).stdout))
        // --ref reads the branch
        let listed = try team.cli.pat(["list", "--store", team.alice, "--ref", "add-ci"])
        #expect(listed.stdout.contains("CI"), "\(listed.stderr)")
        #expect(!(try team.cli.pat(["list", "--store", team.alice])).stdout.contains("CI"))

        // bob reviews and approves
        try team.fetch(team.bob, "add-ci")
        try team.expectOK(team.pat(["approve", "add-ci"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "add-ci")

        // alice merges; main on origin verifies with the token in it
        try team.fetch(team.alice, "add-ci")
        try team.expectOK(team.pat(["merge", "add-ci"], in: team.alice))
        try team.push(team.alice, "main")
        let verified = try team.verify(value)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        // stock git agrees that the merge and the approval are signed by trusted keys
        let signers = team.cli.directory.file("signers-all")
        try git(["show", "main:allowed_signers"], in: team.cli.store).stdout.write(toFile: signers, atomically: true, encoding: .utf8)
        for commit in ["main", "main^2"] {
            let checked = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit], in: team.cli.store)
            #expect(checked.status == 0, "\(commit): \(checked.stderr)")
        }
    }

    /// Without bob's approval, alice's own merge carries one signature: pat merge refuses, and a merge made by hand
    /// anyway is refused by every verifier.
    @Test func aMergeWithoutApprovalIsRefused() throws {
        let team = try Team()
        let value = try team.propose("unreviewed")
        let refused = try team.pat(["merge", "unreviewed"], in: team.alice)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("carries 1 of the 2 signatures the store requires (alice@example.com)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("approvals from bob@example.com would count"))

        // a signed merge by hand (with alice's key, its password taken off a copy for git), pushed anyway
        let plainKey = team.cli.directory.file("alice-plain")
        try FileManager.default.copyItem(atPath: team.cli.keyPath, toPath: plainKey)
        try team.expectOK(run("ssh-keygen", ["-q", "-p", "-P", CLIFixture.password, "-N", "", "-f", plainKey]))
        try team.expectOK(git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(plainKey)", "-c", "user.name=Alice",
                               "-c", "user.email=alice@example.com", "merge", "-q", "--no-ff", "-S", "--no-edit", "unreviewed"],
                              in: team.alice))
        try team.push(team.alice, "main")
        let verified = try team.verify(value)
        #expect(verified.status != 0)
        #expect(verified.stderr.contains("requires the signatures of 2 different signers for every change, and it has 1 (alice@example.com)"),
                "\(verified.stderr)")
    }

    @Test func anApprovalByTheAuthorOrForAnotherTreeDoesNotCount() throws {
        let team = try Team()
        _ = try team.propose("self-approved")
        try team.expectOK(team.pat(["approve", "self-approved"], in: team.alice))
        let refused = try team.pat(["merge", "self-approved"], in: team.alice)
        #expect(refused.stderr.contains("carries 1 of the 2 signatures"), "\(refused.stderr)")

        // bob approves, then alice changes the branch again: the approval was for the old tree
        try team.push(team.alice, "self-approved")
        try team.fetch(team.bob, "self-approved")
        try team.expectOK(team.pat(["approve", "self-approved"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "self-approved")
        try team.fetch(team.alice, "self-approved")
        try team.expectOK(team.pat(["generate", "--branch", "self-approved", "--description", "more", "--expires", "+3d",
                                    "--api", "Maven Plugin"], in: team.alice))
        let stale = try team.pat(["merge", "self-approved"], in: team.alice)
        #expect(stale.stderr.contains("carries 1 of the 2 signatures"), "\(stale.stderr)")
    }

    @Test func branchOptionsAreChecked() throws {
        let team = try Team()
        let cases: [([String], String)] = [
            (["generate", "--branch", "bad..name", "--description", "x", "--expires", "+1d", "--api", "Maven Plugin"],
             "'bad..name' is not a usable branch name"),
            (["generate", "--base", "main", "--description", "x", "--expires", "+1d", "--api", "Maven Plugin"],
             "--base goes with --branch"),
            (["generate", "--branch", "b", "--base", "no-such-ref", "--description", "x", "--expires", "+1d", "--api", "Maven Plugin"],
             "'no-such-ref' names no commit of this store"),
            (["approve", "main"], "pat approve needs a branch other than main"),
            (["approve", "missing"], "'missing' names no commit of this store: there is no such branch"),
            (["list", "--ref", "nowhere"], "'nowhere' names no commit of this store"),
            (["settings", "set", "requiredApprovals", "0"], "requiredApprovals must be between 1 and 10"),
            (["settings", "set", "merges", "sometimes"], "merges takes 'signed' or 'verified-clean', not 'sometimes'"),
            (["settings", "set", "colour", "blue"], "unknown setting 'colour'"),
            (["settings", "set", "forbiddenMethods", "account.*.x"], "is not a method name"),
        ]
        let before = try team.cli.snapshot()
        for (arguments, message) in cases {
            let result = try team.cli.pat(arguments + ["--store", team.cli.store])
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try team.cli.snapshot() == before, "the store is unchanged")
    }

    @Test func forbiddenMethodsAreNeverGranted() throws {
        let team = try Team()
        try team.expectOK(team.cli.pat(["settings", "set", "forbiddenMethods", "environment.Control.*", "--store", team.cli.store]))
        let custom = try team.cli.pat(["generate", "--store", team.cli.store, "--description", "x", "--expires", "+1d",
                                       "--method", "environment.Control.StopEnv"])
        // two signatures are required now, so the change itself goes on a branch; the refusal comes first anyway
        #expect(custom.status != 0)
        #expect(custom.stderr.contains("the store's settings forbid granting environment.Control.StopEnv"), "\(custom.stderr)")
        let shown = try team.cli.pat(["settings", "--store", team.cli.store, "--json"])
        #expect(shown.stdout.contains("\"requiredApprovals\": 2") || shown.stdout.contains("\"requiredApprovals\":2"), "\(shown.stdout)")
    }
}
