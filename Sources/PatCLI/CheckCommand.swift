import ArgumentParser
import Foundation
import PatCheck
import PatCore
import PatReview
import PatGit
import PatStore
import PatVerifier

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a change before it lands on main: history, content, secrets, policy, and a summary to review.",
        discussion: """
            Trust and policy come from the base, never from the head. Every finding is reported at once. Exit status: \
            0 nothing found, 1 findings, 2 usage error, 3 could not check (git or I/O). In CI, check out the pull \
            request with its history and run: pat check --store . --base origin/main --head HEAD --format github
            """)

    /// The exit status of a usage error (ArgumentParser's own is 64).
    static let usageError: Int32 = 2
    static let couldNotCheck: Int32 = 3

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("What the change lands on: a branch, tag or commit.", valueName: "ref"))
    var base = "main"
    @Option(help: ArgumentHelp("The change.", valueName: "ref"))
    var head = "HEAD"
    @Option(help: ArgumentHelp("text, json, github (annotations, and the report to $GITHUB_STEP_SUMMARY when set) or markdown (a pull-request comment).",
                               valueName: "format"))
    var format: String = "text"
    @Flag(help: "The report as JSON (the same as --format json).")
    var json = false
    @Option(help: ArgumentHelp("Verify the base first from keys trusted to sign the store's first commit (allowed_signers format).", valueName: "file"))
    var allowedSigners: String?
    @Option(help: ArgumentHelp("Verify the base first from the store's first commit id.", valueName: "commit"))
    var trustRoot: String?

    func validate() throws {
        guard CheckReportFormat(rawValue: format) != nil else {
            throw ValidationError("--format takes text, json, github or markdown, not '\(format.prefix(100))'")
        }
        if json && format != "text" && format != "json" { throw ValidationError("give --json or --format, not both") }
        if allowedSigners != nil && trustRoot != nil { throw ValidationError("give --allowed-signers or --trust-root, not both") }
        if let trustRoot, ObjectID(hex: trustRoot) == nil { throw ValidationError("--trust-root takes a full 40-character commit id") }
    }

    func run() throws {
        let format = json ? .json : CheckReportFormat(rawValue: format)!
        let report: CheckReport
        do {
            let root: TrustRoot? = try allowedSigners.map(TrustRoot.load(allowedSignersFile:)) ?? trustRoot.flatMap(ObjectID.init(hex:)).map { .commit($0) }
            report = try PullRequestCheck(storePath: store.path, base: base, head: head, trustRoot: root,
                                          catalog: try BuiltInTemplates.catalog()).run()
        } catch {
            Console.error(String(describing: error))
            throw CommandFailure(code: Self.couldNotCheck)
        }
        Console.out(report.rendered(as: format))
        if format == .github, let summary = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
            do {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: summary))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(GitHubRenderer.stepSummary(report).utf8))
                try handle.close()
            } catch {
                Console.error("cannot append the report to $GITHUB_STEP_SUMMARY (\(summary)): \(error.localizedDescription)")
                throw CommandFailure(code: Self.couldNotCheck)
            }
        }
        if report.exitStatus != 0 { throw CommandFailure(code: report.exitStatus) }
    }
}
