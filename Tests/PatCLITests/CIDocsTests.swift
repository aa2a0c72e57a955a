import Foundation
import PatTestSupport
import Testing

/// docs/ci.md is run, not only read: its YAML blocks are parsed by a real YAML parser (PyYAML, what `scripts/setup`
/// installs as python3-yaml), and the steps that run `pat check` are run exactly as the page writes them, in a
/// real clone laid out as the CI runner lays it out, with the forge's variables set. Only the build steps are not
/// run (they take minutes); their commands are checked to be there.
@Suite struct CIDocsTests {
    // MARK: The page

    static let pagePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/ci.md").standardized.path

    /// The fenced block right after the marker `<!-- ci: NAME -->`.
    static func block(_ name: String) throws -> String {
        let page = try String(contentsOfFile: pagePath, encoding: .utf8)
        let marker = "<!-- ci: \(name) -->\n"
        let start = try #require(page.range(of: marker), "docs/ci.md has no \(marker)")
        let rest = page[start.upperBound...]
        let fence = try #require(rest.firstIndex(of: "\n"))
        #expect(rest.hasPrefix("```"), "the block follows its marker directly")
        let body = rest[rest.index(after: fence)...]
        let end = try #require(body.range(of: "\n```"))
        return String(body[..<end.lowerBound]) + "\n"
    }

    /// The YAML as a real parser reads it, through JSON.
    static func parsed(_ text: String) throws -> Any {
        // Debian's python3-yaml is for the system python; a pyenv python first on PATH may not have it.
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let parsed = try run(python, ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], stdin: text)
        try #require(parsed.status == 0, "PyYAML could not read the block (install python3-yaml): \(parsed.stderr)")
        return try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8))
    }

    static func yaml(_ text: String) throws -> [String: Any] {
        try #require(try parsed(text) as? [String: Any], "the block is a mapping")
    }

    /// A GitHub step's script with the `${{ }}` expressions replaced as Actions replaces them before the shell
    /// runs; an expression the test does not know fails the test (a new one must be given a value here).
    static func substitute(_ text: String, _ expressions: [String: String]) throws -> String {
        var out = text
        for (expression, value) in expressions { out = out.replacingOccurrences(of: "${{ \(expression) }}", with: value) }
        #expect(!out.contains("${{"), "an expression the test gives no value: \(out)")
        return out
    }

    static func steps(_ workflow: [String: Any]) throws -> [[String: Any]] {
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let job = try #require(jobs["check"] as? [String: Any])
        return try #require(job["steps"] as? [[String: Any]])
    }

    // MARK: A store, its forge and a runner's clone

    final class Forge {
        let cli: CLIFixture
        let bin: String
        let pinned: String
        let plainKey: String
        var origin: String { cli.store }

        init() throws {
            cli = try CLIFixture()
            bin = cli.directory.file("bin")
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: bin + "/pat", withDestinationPath: patExecutable)
            pinned = cli.directory.file("pinned_signers")
            try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
            plainKey = cli.directory.file("alice-plain")
            try FileManager.default.copyItem(atPath: cli.keyPath, toPath: plainKey)
            try expectOK(run("ssh-keygen", ["-q", "-p", "-P", CLIFixture.password, "-N", "", "-f", plainKey]))
        }

        func expectOK(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
            guard result.status == 0 else {
                Issue.record("failed: \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
                throw CLIFixture.SetupFailure(message: result.stderr)
            }
        }

        /// A token change proposed on `branch` of the forge's repository; returns the branch's head.
        @discardableResult
        func propose(_ branch: String, _ description: String = "CI deploys") throws -> String {
            try expectOK(cli.pat(["generate", "--store", origin, "--branch", branch, "--description", description,
                                  "--expires", "+30d", "--api", "Maven Plugin"]))
            return try rev(branch, in: origin)
        }

        func rev(_ revision: String, in repository: String) throws -> String {
            let result = try git(["rev-parse", revision], in: repository)
            try expectOK(result)
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// What `actions/checkout` with `fetch-depth: 0` and `ref: <sha>` leaves: a full clone, every branch as
        /// origin/<name>, HEAD detached at the commit.
        func githubCheckout(_ commit: String) throws -> String {
            let work = cli.directory.file("gh-\(UUID().uuidString.prefix(8))")
            try expectOK(git(["clone", "-q", origin, work]))
            try expectOK(git(["checkout", "-q", "--detach", commit], in: work))
            return work
        }

        /// What a GitLab runner with `GIT_DEPTH: 0` leaves for a merge request: the source branch only (no
        /// origin/<target>), HEAD detached at the commit.
        func gitlabCheckout(_ branch: String, at commit: String) throws -> String {
            let work = cli.directory.file("gl-\(UUID().uuidString.prefix(8))")
            try expectOK(git(["clone", "-q", "--single-branch", "--branch", branch, origin, work]))
            try expectOK(git(["checkout", "-q", "--detach", commit], in: work))
            return work
        }

        /// A script as the runner's shell runs it: bash, stop at the first failure, pat on the PATH.
        func shell(_ script: String, in work: String, _ variables: [String: String] = [:]) throws -> ProcessResult {
            var environment = cli.environment
            environment["PATH"] = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            for (key, value) in variables { environment[key] = value }
            return try run("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], environment: environment, directory: work)
        }

        /// An unsigned commit on top of HEAD in a clone, as someone would make one without pat.
        func handCommit(in work: String, file: String, content: String, message: String) throws -> String {
            try content.write(toFile: work + "/" + file, atomically: true, encoding: .utf8)
            try expectOK(git(["add", file], in: work))
            try expectOK(git(["commit", "-q", "-m", message], in: work))
            return try rev("HEAD", in: work)
        }
    }

    // MARK: GitHub Actions

    @Test func theGitHubWorkflowChecksOutTheChangeWithItsHistoryAndBuildsPat() throws {
        let workflow = try Self.yaml(try Self.block("github-workflow"))
        // PyYAML reads the key `on` as YAML 1.1's boolean true; GitHub reads it as `on`.
        let trigger = try #require((workflow["on"] ?? workflow["true"]) as? [String: Any])
        #expect(trigger["pull_request"] != nil)
        let steps = try Self.steps(workflow)
        let checkout = try #require(steps.first)
        #expect((checkout["uses"] as? String)?.hasPrefix("actions/checkout@") == true)
        let with = try #require(checkout["with"] as? [String: Any])
        #expect(with["fetch-depth"] as? Int == 0)
        #expect(with["ref"] as? String == "${{ github.event.pull_request.head.sha }}")
        let scripts = steps.compactMap { $0["run"] as? String }
        #expect(scripts.contains { $0.contains("swift build -c release") })
        #expect(scripts.contains { $0.contains("libgit2-dev") })
        #expect(scripts.contains { $0.contains(">> \"$GITHUB_PATH\"") })
        let checks = scripts.filter { $0.contains("pat check") }
        #expect(checks == ["pat check --store . --base \"origin/${{ github.base_ref }}\" --head HEAD --format github"])
        // The step that builds pat installs it where the PATH step points.
        let build = try #require(scripts.first { $0.contains("swift build") })
        #expect(build.contains("$HOME/.local/pat-bin/pat") && scripts.contains("echo \"$HOME/.local/pat-bin\" >> \"$GITHUB_PATH\""))
    }

    @Test func theGitHubCheckStepPassesACleanChangeAndFailsABadOne() throws {
        let forge = try Forge()
        let steps = try Self.steps(try Self.yaml(try Self.block("github-workflow")))
        let step = try #require(steps.first { ($0["run"] as? String)?.contains("pat check") == true })
        let script = try Self.substitute(step["run"] as! String, ["github.base_ref": "main"])

        let head = try forge.propose("feature")
        let clean = try forge.githubCheckout(head)
        let summary = forge.cli.directory.file("step-summary.md")
        FileManager.default.createFile(atPath: summary, contents: nil)
        let passed = try forge.shell(script, in: clean, ["GITHUB_STEP_SUMMARY": summary])
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")
        #expect(!passed.stdout.contains("::error"))
        let written = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(written.hasPrefix("<!-- pat-check -->") && written.contains("CI deploys"), "\(written)")

        // A commit made without pat on the change: annotations, the summary, and a failed step.
        let bad = try forge.githubCheckout(head)
        _ = try forge.handCommit(in: bad, file: "README.md", content: "hello\n", message: "Add a readme")
        let failed = try forge.shell(script, in: bad, ["GITHUB_STEP_SUMMARY": summary])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stdout.contains("::error"), "\(failed.stdout)")
        #expect(failed.stdout.contains("it is not signed"), "\(failed.stdout)")

        // What actions/checkout gives without `ref:`: GitHub's merge of the change into the base, unsigned.
        let merged = try forge.githubCheckout(try forge.rev("main", in: forge.origin))
        try forge.expectOK(git(["merge", "-q", "--no-ff", "--no-edit", "origin/feature"], in: merged))
        let mergeCheck = try forge.shell(script, in: merged, ["GITHUB_STEP_SUMMARY": summary])
        #expect(mergeCheck.status == 1, "the forge's merge is judged, and it is unsigned: \(mergeCheck.stdout)")
    }

    /// The exit statuses of the table: 3 when the check cannot run, 2 for a usage error.
    @Test func aJobThatCannotCheckExitsThree() throws {
        let forge = try Forge()
        let steps = try Self.steps(try Self.yaml(try Self.block("github-workflow")))
        let step = try #require(steps.first { ($0["run"] as? String)?.contains("pat check") == true })
        let head = try forge.propose("feature")
        let work = try forge.githubCheckout(head)
        let summary = forge.cli.directory.file("summary.md")
        FileManager.default.createFile(atPath: summary, contents: nil)

        let noBase = try forge.shell(try Self.substitute(step["run"] as! String, ["github.base_ref": "release"]), in: work,
                                     ["GITHUB_STEP_SUMMARY": summary])
        #expect(noBase.status == 3, "a base that was not fetched: \(noBase.stderr)")

        // actions/checkout without fetch-depth: 0 fetches the one commit, and no base.
        let single = forge.cli.directory.file("depth-1")
        try forge.expectOK(git(["clone", "-q", "--depth", "1", "--branch", "feature", "file://" + forge.origin, single]))
        let alone = try forge.shell(try Self.substitute(step["run"] as! String, ["github.base_ref": "main"]), in: single,
                                    ["GITHUB_STEP_SUMMARY": summary])
        #expect(alone.status == 3, "\(alone.stdout) \(alone.stderr)")

        let usage = try forge.shell("pat check --store . --format yaml", in: work)
        #expect(usage.status == 2, "\(usage.stderr)")
    }

    @Test func thePinnedGitHubStepVerifiesTheBaseFromTheVariable() throws {
        let forge = try Forge()
        _ = try forge.cli.generate("on main")
        // A list of steps, indented as in the workflow it goes into.
        let steps = try #require(try Self.parsed(try Self.block("github-pinned-step")) as? [[String: Any]])
        let step = try #require(steps.first)
        #expect(step["name"] as? String == "pat check")
        let environment = try #require(step["env"] as? [String: String])
        let script = try Self.substitute(step["run"] as! String, ["github.base_ref": "main"])
        let head = try forge.propose("feature")
        let work = try forge.githubCheckout(head)
        let summary = forge.cli.directory.file("summary.md")
        FileManager.default.createFile(atPath: summary, contents: nil)
        let temp = forge.cli.directory.file("runner-temp")
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)

        func runStep(variable: String) throws -> ProcessResult {
            var variables = ["GITHUB_STEP_SUMMARY": summary, "RUNNER_TEMP": temp]
            for (key, value) in environment {
                variables[key] = try Self.substitute(value, ["vars.PAT_ALLOWED_SIGNERS": variable])
            }
            return try forge.shell(script, in: work, variables)
        }
        let pinnedText = try String(contentsOfFile: forge.pinned, encoding: .utf8)
        let good = try runStep(variable: pinnedText.trimmingCharacters(in: .newlines))
        #expect(good.status == 0, "\(good.stdout) \(good.stderr)")

        // Keys that never signed the store: the base itself does not verify from them.
        let stranger = try sshKeygen(in: forge.cli.directory, name: "stranger", comment: "mallory@example.com", passphrase: "")
        let strangerKey = try String(contentsOfFile: stranger + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let wrong = try runStep(variable: "alice@example.com " + strangerKey)
        #expect(wrong.status == 1, "\(wrong.stdout) \(wrong.stderr)")
        #expect(wrong.stdout.contains("::error"))

        // A shallow clone with the base fetched: the base's history back to the first commit is missing.
        let shallow = forge.cli.directory.file("shallow")
        try forge.expectOK(git(["clone", "-q", "--depth", "1", "--no-single-branch", "file://" + forge.origin, shallow]))
        try forge.expectOK(git(["checkout", "-q", "--detach", head], in: shallow))
        var variables = ["GITHUB_STEP_SUMMARY": summary, "RUNNER_TEMP": temp]
        for (key, value) in environment { variables[key] = try Self.substitute(value, ["vars.PAT_ALLOWED_SIGNERS": pinnedText]) }
        let cut = try forge.shell(script, in: shallow, variables)
        #expect(cut.status == 3, "\(cut.stdout) \(cut.stderr)")

        // An unset variable is no pin: pat refuses to check rather than check unpinned.
        let unset = try runStep(variable: "")
        #expect(unset.status == 3, "\(unset.stdout) \(unset.stderr)")
        #expect(unset.stderr.contains("lists no keys"), "\(unset.stderr)")
    }

    // MARK: GitLab CI

    static func gitlabJob() throws -> [String: Any] {
        try #require(try Self.yaml(try Self.block("gitlab-job"))["pat-check"] as? [String: Any])
    }

    /// GitLab runs a job's script entries in one shell, stopping at the first that fails.
    static func script(_ entries: Any?) throws -> String {
        try #require(entries as? [String]).joined(separator: "\n")
    }

    @Test func theGitLabJobRunsOnMergeRequestsWithTheWholeHistory() throws {
        let job = try Self.gitlabJob()
        let rules = try #require(job["rules"] as? [[String: Any]])
        #expect((rules.first?["if"] as? String)?.contains("merge_request_event") == true)
        #expect((job["variables"] as? [String: Any])?["GIT_DEPTH"] as? String == "0")
        let before = try Self.script(job["before_script"])
        #expect(before.contains("swift build -c release") && before.contains("libgit2-dev"))
        #expect(before.contains("install -D -m 0755 /tmp/pat-src/.build/release/pat .pat-bin/pat"))
        #expect(before.contains("export PATH=\"$CI_PROJECT_DIR/.pat-bin:$PATH\""))
        #expect((job["cache"] as? [String: Any])?["paths"] as? [String] == [".pat-bin/"])
        let artifacts = try #require(job["artifacts"] as? [String: Any])
        #expect(artifacts["when"] as? String == "always")
        #expect(artifacts["paths"] as? [String] == ["pat-check.md"])
    }

    @Test func theGitLabScriptFetchesTheTargetAndWritesTheReport() throws {
        let forge = try Forge()
        let script = try Self.script(try Self.gitlabJob()["script"])
        let head = try forge.propose("feature")
        let work = try forge.gitlabCheckout("feature", at: head)
        #expect(try git(["rev-parse", "--verify", "-q", "origin/main"], in: work).status != 0, "the runner did not fetch the target")
        let variables = ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_SHA": head, "CI_PROJECT_DIR": work]
        let passed = try forge.shell(script, in: work, variables)
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")
        let report = try String(contentsOfFile: work + "/pat-check.md", encoding: .utf8)
        #expect(report.hasPrefix("<!-- pat-check -->") && report.contains("CI deploys"), "\(report)")
        #expect(passed.stdout.contains("<!-- pat-check -->"), "the report is in the job log")

        // A merged results pipeline: CI_COMMIT_SHA is GitLab's unsigned merge, the source commit is given apart.
        let merged = try forge.gitlabCheckout("feature", at: head)
        try forge.expectOK(git(["fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main"], in: merged))
        try forge.expectOK(git(["checkout", "-q", "--detach", "origin/main"], in: merged))
        try forge.expectOK(git(["merge", "-q", "--no-ff", "--no-edit", head], in: merged))
        let mergeCommit = try forge.rev("HEAD", in: merged)
        var resultsPipeline = variables
        resultsPipeline["CI_COMMIT_SHA"] = mergeCommit
        resultsPipeline["CI_PROJECT_DIR"] = merged
        resultsPipeline["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = head
        let fromSource = try forge.shell(script, in: merged, resultsPipeline)
        #expect(fromSource.status == 0, "\(fromSource.stdout) \(fromSource.stderr)")
        resultsPipeline["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = nil
        let fromMerge = try forge.shell(script, in: merged, resultsPipeline)
        #expect(fromMerge.status == 1, "GitLab's merge itself is unsigned: \(fromMerge.stdout)")

        // Findings: the job fails, and the report is still written for the artifact.
        let bad = try forge.gitlabCheckout("feature", at: head)
        let badHead = try forge.handCommit(in: bad, file: "notes.txt", content: "x\n", message: "Add notes")
        var badVariables = variables
        badVariables["CI_COMMIT_SHA"] = badHead
        badVariables["CI_PROJECT_DIR"] = bad
        let failed = try forge.shell(script, in: bad, badVariables)
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        let badReport = try String(contentsOfFile: bad + "/pat-check.md", encoding: .utf8)
        #expect(badReport.contains("notes.txt"), "\(badReport)")
    }

    @Test func thePinnedGitLabScriptTakesAFileVariable() throws {
        let forge = try Forge()
        let script = try Self.script(try #require(try Self.yaml(try Self.block("gitlab-pinned-script"))["script"]))
        let head = try forge.propose("feature")
        let work = try forge.gitlabCheckout("feature", at: head)
        let variables = ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_COMMIT_SHA": head, "CI_PROJECT_DIR": work]
        var pinned = variables
        pinned["PAT_ALLOWED_SIGNERS"] = forge.pinned
        let good = try forge.shell(script, in: work, pinned)
        #expect(good.status == 0, "\(good.stdout) \(good.stderr)")
        let unset = try forge.shell(script, in: work, variables)
        #expect(unset.status == 3, "no variable, no check: \(unset.stdout) \(unset.stderr)")
    }

    // MARK: Adding the CI file

    /// The page's commands put the workflow on main with a trusted signature: the store still verifies, token
    /// changes on top of it check clean, and a change to the CI file itself is flagged.
    @Test func theCIFileCommittedAsThePageSaysKeepsTheStoreVerifiable() throws {
        let forge = try Forge()
        let value = try forge.cli.generate("on main before the CI file")
        let work = forge.cli.directory.file("maintainer")
        try forge.expectOK(git(["clone", "-q", forge.origin, work]))
        let workflow = try Self.block("github-workflow")
        try FileManager.default.createDirectory(atPath: work + "/.github/workflows", withIntermediateDirectories: true)
        try workflow.write(toFile: work + "/.github/workflows/pat-check.yml", atomically: true, encoding: .utf8)
        let home = forge.cli.directory.file("maintainer-home")
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: forge.plainKey, toPath: home + "/.ssh/id_ed25519")
        let identity = ["HOME": home, "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com",
                        "GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.com"]
        let added = try forge.shell(try Self.block("add-ci-file"), in: work, identity)
        #expect(added.status == 0, "\(added.stdout) \(added.stderr)")
        #expect(try git(["show", "main:.github/workflows/pat-check.yml"], in: forge.origin).stdout == workflow)

        // Every verifier still accepts main.
        let token = forge.cli.directory.file("token")
        try value.value.write(toFile: token, atomically: true, encoding: .utf8)
        let verified = try forge.cli.pat(["verify", "--store", forge.origin, "--allowed-signers", forge.pinned, "--token-file", token,
                                          "--method", "environment.Deployment.Deploy"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")

        // A token change on the new main checks clean with the workflow's own step.
        let steps = try Self.steps(try Self.yaml(workflow))
        let step = try #require(steps.first { ($0["run"] as? String)?.contains("pat check") == true })
        let script = try Self.substitute(step["run"] as! String, ["github.base_ref": "main"])
        let summary = forge.cli.directory.file("summary.md")
        FileManager.default.createFile(atPath: summary, contents: nil)
        let change = try forge.githubCheckout(try forge.propose("after-ci"))
        let passed = try forge.shell(script, in: change, ["GITHUB_STEP_SUMMARY": summary])
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")

        // A change that edits the CI file is flagged, whoever signed it.
        let edit = try forge.githubCheckout(try forge.rev("after-ci", in: forge.origin))
        try (workflow + "# off\n").write(toFile: edit + "/.github/workflows/pat-check.yml", atomically: true, encoding: .utf8)
        try forge.expectOK(git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(forge.plainKey)", "commit", "-q", "-S", "-a", "-m", "Turn it off"],
                               in: edit))
        let flagged = try forge.shell(script, in: edit, ["GITHUB_STEP_SUMMARY": summary])
        #expect(flagged.status == 1)
        #expect(flagged.stdout.contains(".github/workflows/pat-check.yml"), "\(flagged.stdout)")
    }
}
