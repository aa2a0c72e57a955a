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

        /// `pat verify` on the origin, or on a clone (`extra`: e.g. `--ref origin/main`).
        func verify(_ value: String, store: String? = nil, extra: [String] = []) throws -> ProcessResult {
            let file = cli.directory.file("value-\(UUID().uuidString)")
            try value.write(toFile: file, atomically: true, encoding: .utf8)
            return try cli.pat(["verify", "--store", store ?? cli.store, "--allowed-signers", pinned, "--token-file", file,
                                "--method", "environment.Control.StopEnv"] + extra)
        }

        /// alice's key without its password, for git's own signing.
        lazy var plainKey: String = {
            let path = cli.directory.file("alice-plain-\(UUID().uuidString)")
            try? FileManager.default.copyItem(atPath: cli.keyPath, toPath: path)
            _ = try? run("ssh-keygen", ["-q", "-p", "-P", CLIFixture.password, "-N", "", "-f", path])
            return path
        }()

        /// A commit made by hand with git's plumbing on `branch` of a clone: files written, signed by alice unless
        /// `signed` is false.
        @discardableResult
        func handCommit(_ clone: String, _ branch: String, files: [String: String], message: String, signed: Bool = true) throws -> String {
            let index = cli.directory.file("index-\(UUID().uuidString)")
            let environment = ["GIT_INDEX_FILE": index, "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com",
                               "GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.com"]
            try expectOK(git(["read-tree", branch], in: clone, environment: environment))
            for (path, content) in files {
                let blob = try run("git", ["-C", clone, "hash-object", "-w", "--stdin"], stdin: content).stdout.trimmingCharacters(in: .newlines)
                try expectOK(git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)"], in: clone, environment: environment))
            }
            let tree = try git(["write-tree"], in: clone, environment: environment).stdout.trimmingCharacters(in: .newlines)
            let signing = signed ? ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(plainKey)"] : []
            let result = try git(signing + ["commit-tree", tree, "-p", branch] + (signed ? ["-S"] : []) + ["-m", message],
                                 in: clone, environment: environment)
            try expectOK(result)
            let commit = result.stdout.trimmingCharacters(in: .newlines)
            try expectOK(git(["update-ref", "refs/heads/\(branch)", commit], in: clone))
            return commit
        }

        func check(_ arguments: [String], in clone: String, environment: [String: String] = [:]) throws -> ProcessResult {
            try cli.pat(["check", "--store", clone] + arguments, environment: environment)
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
        // a verifier in a non-bare clone, reading the remote-tracking ref
        try team.expectOK(git(["fetch", "-q", "origin"], in: team.bob))
        let inClone = try team.verify(value, store: team.bob, extra: ["--ref", "origin/main"])
        #expect(inClone.status == 0, "\(inClone.stdout) \(inClone.stderr)")
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

    // MARK: pat check

    @Test func aCleanChangeChecksCleanAndTheSummarySaysWhatItDoes() throws {
        let team = try Team()
        _ = try team.propose("add-ci")
        let text = try team.check(["--base", "main", "--head", "add-ci"], in: team.alice)
        #expect(text.status == 0, "\(text.stdout) \(text.stderr)")
        #expect(text.stdout.contains("CI"), "\(text.stdout)")
        let json = try team.check(["--base", "main", "--head", "add-ci", "--json"], in: team.alice)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "pat-check/1")
        let approvals = try #require(object["approvals"] as? [String: Any])
        #expect(approvals["count"] as? Int == 1 && approvals["required"] as? Int == 2, "\(approvals)")
        #expect((approvals["couldApprove"] as? [String]) == ["bob@example.com"], "\(approvals)")
        // CI's checkout: a detached HEAD in a fresh clone, base origin/main, GitHub's format and step summary
        let ci = team.cli.directory.file("ci")
        try team.push(team.alice, "add-ci")
        try team.expectOK(git(["clone", "-q", team.cli.store, ci]))
        try team.expectOK(git(["checkout", "-q", "--detach", "origin/add-ci"], in: ci))
        let summary = team.cli.directory.file("step-summary.md")
        FileManager.default.createFile(atPath: summary, contents: nil)
        let github = try team.check(["--base", "origin/main", "--format", "github"], in: ci, environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(github.status == 0, "\(github.stdout) \(github.stderr)")
        #expect(try String(contentsOfFile: summary, encoding: .utf8).contains("CI"))
    }

    @Test func everyFindingIsReportedAtOnceAndNoSecretIsShown() throws {
        let team = try Team()
        let value = try team.propose("messy")
        let tail = String(value.suffix(4))
        let leakedGitHub = "ghp_" + String(repeating: "aB3dE5fG7h", count: 3) + "J9kL1m"
        // a value pasted into a commit message, another tool's token in a file, a file outside the layout
        try team.handCommit(team.alice, "messy", files: ["notes.txt": "token: \(leakedGitHub)\n"],
                            message: "oops, the value was \(value)\n\nPat-Operation: edit")
        // a forbidden-by-catalog method in a token file written by hand, with trailers that do not name it
        let listed = try team.cli.pat(["list", "--store", team.alice, "--ref", "messy", "--json"])
        let id = try #require(((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]])?.first?["id"] as? String)
        let path = "tokens/\(id.prefix(2))/\(id).json"
        let file = try git(["show", "messy:\(path)"], in: team.alice).stdout
            .replacingOccurrences(of: "\"environment.Control.StopEnv\"", with: "\"environment.control.stopenv\", \"no.such.Method\"")
        try team.handCommit(team.alice, "messy", files: [path: file], message: "widen\n\nPat-Operation: edit")
        // and an unsigned commit on top
        try team.handCommit(team.alice, "messy", files: ["README.md": "x\n"], message: "unsigned\n\nPat-Operation: edit", signed: false)
        let second = try team.handCommit(team.alice, "messy", files: [".gitignore": "x\n"], message: "unsigned too\n\nPat-Operation: edit",
                                         signed: false)

        let result = try team.check(["--base", "main", "--head", "messy", "--json"], in: team.alice)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stdout.contains(value) && !result.stdout.contains(leakedGitHub), "a secret is shown")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let messages = findings.map { "\($0["category"] ?? ""): \($0["message"] ?? "") @\($0["path"] ?? "-")" }
        func has(_ category: String, _ text: String) -> Bool {
            messages.contains { $0.hasPrefix(category + ":") && $0.contains(text) }
        }
        #expect(has("history", "is not signed"), "\(messages)")
        #expect(messages.filter { $0.hasPrefix("history:") && $0.contains("is not signed") }.count == 2, "every refused commit: \(messages)")
        #expect(has("history", String(second.prefix(10))), "\(messages)")
        #expect(has("secrets", "…\(tail)"), "\(messages)")
        #expect(has("secrets", "ghp_"), "\(messages)")
        #expect(has("content", "outside the store's layout") && messages.contains { $0.contains("@notes.txt") }, "\(messages)")
        #expect(has("content", "'no.such.Method', which is not a method of the API catalog"), "\(messages)")
        #expect(has("content", "which the catalog spells 'environment.Control.StopEnv'"), "\(messages)")
        #expect(has("content", "trailers do not match"), "\(messages)")

        // GitHub annotations carry no secret either
        let github = try team.check(["--base", "main", "--head", "messy", "--format", "github"], in: team.alice)
        #expect(github.status == 1)
        #expect(github.stdout.contains("::error"))
        #expect(!github.stdout.contains(value) && !github.stdout.contains(leakedGitHub))
    }

    /// git orders a folder `presets` after a file `presets.json` ("presets/" > "presets.json"), by name it comes
    /// first: the diff walks names in order either way and misses neither, in each commit and against the base.
    @Test func filesBesideAFolderOfTheirNamePrefixAreAllSeen() throws {
        let team = try Team()
        _ = try team.propose("prefixes")
        try team.handCommit(team.alice, "prefixes", files: ["presets.json": "{}\n", "tokens.txt": "x\n"], message: "beside\n\nPat-Operation: edit")
        let preset = try git(["show", "main:presets/maven-plugin.json"], in: team.alice)
        try team.expectOK(preset)
        try team.handCommit(team.alice, "prefixes", files: ["presets/maven-plugin.json": preset.stdout + " \n", "presets.json": "[]\n"],
                            message: "both\n\nPat-Operation: edit")
        let result = try team.check(["--base", "main", "--head", "prefixes", "--json"], in: team.alice)
        #expect(result.status == 1, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let outside = findings.filter { ($0["message"] as? String)?.contains("outside the store's layout") == true }.compactMap { $0["path"] as? String }
        #expect(outside.sorted() == ["presets.json", "tokens.txt"], "\(findings)")
        // the trailers of each commit are checked against exactly the files it changed, the preset among them
        let trailers = findings.compactMap { $0["message"] as? String }.filter { $0.contains("a edit commit that also changes") }
        #expect(trailers.sorted() == ["a edit commit that also changes presets.json, presets/maven-plugin.json",
                                      "a edit commit that also changes presets.json, tokens.txt"], "\(trailers)")
    }

    @Test func aStaleBaseAndAPolicyFromTheBase() throws {
        let team = try Team()
        _ = try team.propose("stale")
        // main changes the same file the branch changes: pat.json
        try team.handCommit(team.alice, "stale", files: ["pat.json": try git(["show", "main:pat.json"], in: team.alice).stdout
            .replacingOccurrences(of: "\"maxLifetimeDays\": 366", with: "\"maxLifetimeDays\": 30")],
                            message: "shorter\n\nPat-Operation: settings")
        try team.handCommit(team.alice, "main", files: ["pat.json": try git(["show", "main:pat.json"], in: team.alice).stdout
            .replacingOccurrences(of: "\"maxLifetimeDays\": 366", with: "\"maxLifetimeDays\": 100")],
                            message: "other\n\nPat-Operation: settings")
        let result = try team.check(["--base", "main", "--head", "stale"], in: team.alice)
        #expect(result.status == 1)
        #expect(result.stdout.contains("stale base: pat.json was changed on main and on the branch"), "\(result.stdout)")
    }

    @Test(arguments: [
        (["--format", "yaml"], 2, "--format takes text, json, github or markdown"),
        (["--json", "--format", "github"], 2, "give --json or --format, not both"),
        (["--base", "no-such-branch"], 3, "'no-such-branch' names no commit of the store"),
        (["--bogus"], 2, "Unknown option"),
    ])
    func exitStatusSaysWhyNothingWasChecked(arguments: [String], status: Int32, message: String) throws {
        let team = try Team()
        let result = try team.check(arguments, in: team.cli.store)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// pat merge runs the same checks: a value leaked in a message refuses the merge, even with every approval.
    @Test func mergeRefusesWhatCheckFinds() throws {
        let team = try Team()
        let value = try team.propose("leaky")
        try team.handCommit(team.alice, "leaky", files: [:], message: "note\n\nthe value is \(value)\n\nPat-Operation: approve")
        try team.push(team.alice, "leaky")
        try team.fetch(team.bob, "leaky")
        try team.expectOK(team.pat(["approve", "leaky"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "leaky")
        try team.fetch(team.alice, "leaky")
        let refused = try team.pat(["merge", "leaky"], in: team.alice)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("refused to merge"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the commit message holds"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(value))
        #expect(try git(["rev-parse", "main"], in: team.alice).stdout == (try git(["rev-parse", "origin/main"], in: team.alice).stdout))
    }

    /// The other merge styles: a fast-forward of an approved branch, and a forge's merge button (an unsigned merge
    /// commit) once the store takes `merges: verified-clean`.
    @Test func fastForwardAndForgeMerges() throws {
        let team = try Team()
        // fast-forward: alice's change and bob's approval on the branch, main moved there with plain git
        let first = try team.propose("ff")
        try team.fetch(team.bob, "ff")
        try team.expectOK(team.pat(["approve", "ff"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "ff")
        #expect(try team.check(["--base", "main", "--head", "ff"], in: team.cli.store).status == 0)
        try team.expectOK(git(["update-ref", "refs/heads/main", "refs/heads/ff"], in: team.cli.store))
        #expect(try team.verify(first).status == 0)

        // the policy change itself needs two signatures: alice writes it on a branch, bob approves, alice merges
        try team.expectOK(git(["fetch", "-q", "origin"], in: team.alice))
        try team.expectOK(git(["reset", "-q", "--hard", "origin/main"], in: team.alice))
        try team.expectOK(team.pat(["settings", "set", "merges", "verified-clean", "--branch", "forge-ok"], in: team.alice))
        try team.push(team.alice, "forge-ok")
        try team.fetch(team.bob, "forge-ok")
        try team.expectOK(team.pat(["approve", "forge-ok"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "forge-ok")
        try team.fetch(team.alice, "forge-ok")
        try team.expectOK(team.pat(["merge", "forge-ok"], in: team.alice))
        try team.push(team.alice, "main")

        // a forge merge of an approved branch: unsigned, tree = the clean merge
        let second = try team.propose("via-forge")
        try team.fetch(team.bob, "via-forge")
        try team.expectOK(team.pat(["approve", "via-forge"], in: team.bob, as: team.bobKey))
        try team.push(team.bob, "via-forge")
        let tree = try git(["rev-parse", "via-forge^{tree}"], in: team.cli.store).stdout.trimmingCharacters(in: .newlines)
        let forge = try git(["commit-tree", tree, "-p", "main", "-p", "via-forge", "-m", "Merge pull request #7"], in: team.cli.store,
                            environment: ["GIT_AUTHOR_NAME": "Forge", "GIT_AUTHOR_EMAIL": "forge@example.com",
                                          "GIT_COMMITTER_NAME": "Forge", "GIT_COMMITTER_EMAIL": "forge@example.com"])
        try team.expectOK(forge)
        try team.expectOK(git(["update-ref", "refs/heads/main", forge.stdout.trimmingCharacters(in: .newlines)], in: team.cli.store))
        let verified = try team.verify(second)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(try team.verify(first).status == 0)
    }

    /// A key that signs the commit that adds it to allowed_signers: the trust rule refuses it, and so does the check.
    @Test func aKeyThatSignsItsOwnAddition() throws {
        let team = try Team()
        _ = try team.propose("self-added")
        let mallory = try sshKeygen(in: team.cli.directory, name: "mallory", comment: "mallory@example.com")
        let pub = try String(contentsOfFile: mallory + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let signers = try git(["show", "self-added:allowed_signers"], in: team.alice).stdout + "mallory@example.com namespaces=\"git\" \(pub)\n"
        let index = team.cli.directory.file("index-mallory")
        let environment = ["GIT_INDEX_FILE": index, "GIT_AUTHOR_NAME": "M", "GIT_AUTHOR_EMAIL": "m@example.com",
                           "GIT_COMMITTER_NAME": "M", "GIT_COMMITTER_EMAIL": "m@example.com"]
        try team.expectOK(git(["read-tree", "self-added"], in: team.alice, environment: environment))
        let blob = try run("git", ["-C", team.alice, "hash-object", "-w", "--stdin"], stdin: signers).stdout.trimmingCharacters(in: .newlines)
        try team.expectOK(git(["update-index", "--add", "--cacheinfo", "100644,\(blob),allowed_signers"], in: team.alice, environment: environment))
        let tree = try git(["write-tree"], in: team.alice, environment: environment).stdout.trimmingCharacters(in: .newlines)
        let commit = try git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(mallory)", "commit-tree", tree, "-p", "self-added", "-S",
                              "-m", "Trust signer mallory\n\nPat-Operation: signers-add"], in: team.alice, environment: environment)
        try team.expectOK(commit)
        try team.expectOK(git(["update-ref", "refs/heads/self-added", commit.stdout.trimmingCharacters(in: .newlines)], in: team.alice))
        let result = try team.check(["--base", "main", "--head", "self-added"], in: team.alice)
        #expect(result.status == 1)
        #expect(result.stdout.contains("which its parent's allowed_signers does not trust"), "\(result.stdout)")
        #expect(result.stdout.contains("mallory@example.com"), "the summary shows the signer added: \(result.stdout)")
    }
}
