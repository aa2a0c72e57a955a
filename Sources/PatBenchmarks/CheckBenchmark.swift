import Foundation
import PatCheck
import PatCore
import PatReview
import PatStore
import PatVerifier

/// `pat check` over a branch of signed pat commits, against `git log --show-signature` over the same range with
/// the same allowed signers (git runs ssh-keygen for every commit).
enum CheckBenchmark {
    static let branch = "bench-check"

    static func run(_ bench: BenchStore, _ config: BenchmarkConfig) throws -> BenchmarkRow {
        let count = max(config.checkCommits, 1)
        let edits = try makeBranch(bench, commits: count)
        config.log("check: a branch of \(count) signed commits (\(count - edits) generates, \(edits) edits)")

        let root = try TrustRoot.load(allowedSignersFile: bench.signersFile)
        let catalog = try BuiltInTemplates.catalog()
        func patCheck() throws -> Double {
            var report: CheckReport?
            let seconds = try Measure.seconds {
                report = try PullRequestCheck(storePath: bench.path, base: "main", head: branch, trustRoot: root, catalog: catalog).run()
            }
            // The row measures a clean change: a finding would mean the benchmark measured something else.
            guard let report, report.findings.isEmpty, report.summary.tokensAdded.count == count - edits else {
                throw BenchmarkFailure(description: "pat check did not pass the benchmark branch: \(report?.findings.map(\.message).prefix(3) ?? [])")
            }
            return seconds
        }
        func gitLog() throws -> Double {
            var output = ""
            let seconds = try Measure.seconds { output = try runCapturing("git", gitArguments(bench), environment: gitEnvironment) }
            // git prints a verdict per commit; every one must be good, or git measured a failure path.
            let good = output.components(separatedBy: "Good \"git\" signature").count - 1
            guard good == count else {
                throw BenchmarkFailure(description: "git log --show-signature found \(good) good signatures of \(count): \(output.prefix(400))")
            }
            return seconds
        }
        let (pat, git) = try Measure.interleaved(runs: config.runs, patCheck, gitLog)
        config.log("check: pat \(Measure.format(seconds: pat)), git log --show-signature \(Measure.format(seconds: git))")
        let ratio = git / pat
        return BenchmarkRow(name: "check: \(count) signed commits", measured: Measure.format(seconds: pat),
                            baseline: "git log --show-signature (ssh-keygen): \(Measure.format(seconds: git))",
                            ratio: ratio, target: "pat >= 30x faster", met: ratio >= 30,
                            note: "PullRequestCheck.run() in process (pat check --base main --head \(branch) --allowed-signers): "
                                + "trust rule, secrets, content, summary; base of \(bench.values.count) tokens")
    }

    /// The branch: `commits` signed commits made in process, three generates then an edit of one of them, so the
    /// summary has added and changed tokens. Returns how many were edits.
    static func makeBranch(_ bench: BenchStore, commits: Int) throws -> Int {
        var options = bench.writeOptions
        options.branch = branch
        var ids: [TokenID] = []
        var edits = 0
        for index in 0..<commits {
            if index % 4 == 3, !ids.isEmpty {
                _ = try bench.store.edit(ids[index % ids.count], TokenSettingsRequest(description: "check edit \(index)"), options)
                edits += 1
            } else {
                let change = try bench.store.generate(TokenSettingsRequest(description: "check \(index)", expires: "+30d",
                                                                           preset: index % 2 == 0 ? "Maven Plugin" : "Marketplace"), options)
                ids += change.change.tokens.map(\.id)
            }
        }
        // Edited tokens are still added ones as far as main is concerned.
        return edits
    }

    static func gitArguments(_ bench: BenchStore) -> [String] {
        ["-C", bench.path, "-c", "gpg.ssh.allowedSignersFile=\(bench.signersFile)", "log", "--show-signature", "main..\(branch)"]
    }

    static let gitEnvironment = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_PAGER": "cat"]
}
