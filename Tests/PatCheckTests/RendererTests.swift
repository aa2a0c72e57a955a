import Foundation
import PatCore
import PatSSH
import Testing
@testable import PatCheck

/// The renderings are part of the interface: golden files under Fixtures/reports. Refresh them with
/// PAT_UPDATE_SNAPSHOTS=1 swift test --filter RendererTests, then read the diff.
@Suite struct RendererTests {
    static let base = CheckReport.Revision(name: "main", commit: String(repeating: "1", count: 40))
    static let head = CheckReport.Revision(name: "feature/ci-token", commit: String(repeating: "2", count: 40))
    static let commit = "3333333333333333333333333333333333333333"

    /// Secrets that end up in the report's inputs (a pasted token in a description, a finding's message); no
    /// rendering may show them.
    static let pastedToken = Fake.github(seed: 77)
    static let leakedValue = Fake.storeToken(seed: 78)

    static let summary: ChangeSummary = {
        let kept = Tokens.make("0a1b2c3d4e5f6071")
        let removed = Tokens.make("7777777777777777", "Old nightly", seed: 20, preset: "Custom", methods: ["environment.Control.GetEnvInfo"])
        let changed = Tokens.make("abcdefabcdef0123", "Release | `deploy`", seed: 21)
        let changedNew = Tokens.make("abcdefabcdef0123", "Release | `deploy`\nprod", seed: 22, expires: "2027-06-30T23:59:59Z",
                                     methods: ["environment.Control.GetEnvInfo", "environment.Control.StopEnv"])
        let added = Tokens.make("ffeeddccbbaa9988", "Pasted " + pastedToken + " by mistake", seed: 23, expires: "2027-01-15T23:59:59Z")
        let signers = { (entries: [(String, UInt8)]) in
            Array(AllowedSigners(entries: entries.map { AllowedSigners.Entry(principal: $0.0, key: Fake.key($0.1)) }).text.utf8)
        }
        let settings = StoreSettings(defaultAuthorName: "pat", defaultAuthorEmail: "alice@example.com").encoded()
        var base = Tokens.files([kept, removed, changed], extra: ["pat.json": settings])
        base["allowed_signers"] = signers([("alice@example.com", 1), ("carol@example.com", 3)])
        var head = Tokens.files([kept, changedNew, added], extra: [
            "pat.json": settings.replacingOccurrences(of: "366", with: "90")
                .replacingOccurrences(of: "\n}", with: ",\n  \"requiredApprovals\": 2\n}"),
            "presets/deploy.json": PresetFile.encode(Preset(name: "Deploy", summary: "s", rationale: "r", include: ["a.B.*"], exclude: [])),
        ])
        head["allowed_signers"] = signers([("alice@example.com", 1), ("bob@example.com", 2)])
        return ChangeSummary(base: base, head: head, removedSigners: [Fake.key(2).fingerprint: "bob@old.example.com"])
    }()

    static let findings: [CheckFinding] = [
        CheckFinding(category: .history, message: "signed by a key the base does not trust", commit: commit),
        CheckFinding(category: .content, message: "method environment.Control.Stopenv is not spelled as the catalog does (environment.Control.StopEnv)",
                     path: "tokens/ab/abcdefabcdef0123.json"),
        CheckFinding(category: .content, severity: .warning, message: "file notes.txt is outside the store's layout", commit: commit,
                     path: "notes.txt"),
        .secret(SecretScanner().scan("x\n" + pastedToken).first!, commit: commit, path: "tokens/ff/ffeeddccbbaa9988.json"),
        .secret(SecretScanner(storePrefixes: ["pat"]).scan("Generate\n\nvalue " + leakedValue).first!, commit: commit, path: nil),
        CheckFinding(category: .policy, message: "the change has 1 of the 2 approvals the base requires"),
        CheckFinding(category: .policy, message: "token abcdefabcdef0123 would expire 2027-06-30, beyond the base's maximum lifetime of 366 days (a <b>careless</b> *edit*, value " + leakedValue + ")",
                     path: "tokens/ab/abcdefabcdef0123.json"),
    ]

    static let report = CheckReport(base: base, head: head, findings: findings, summary: summary,
                                    approvals: .init(count: 1, required: 2, approvedBy: ["alice@example.com"],
                                                     couldApprove: ["bob@example.com", "carol@example.com"]))
    static let clean = CheckReport(base: base, head: CheckReport.Revision(commit: String(repeating: "4", count: 40)))

    static let snapshots: [(String, @Sendable () -> String)] = [
        ("report.txt", { report.rendered(as: .text) }),
        ("report.json", { report.rendered(as: .json) }),
        ("report.github.txt", { report.rendered(as: .github) }),
        ("report.md", { report.rendered(as: .markdown) }),
        ("report.step-summary.md", { GitHubRenderer.stepSummary(report) }),
        ("clean.txt", { clean.rendered(as: .text) }),
        ("clean.json", { clean.rendered(as: .json) }),
        ("clean.github.txt", { clean.rendered(as: .github) }),
        ("clean.md", { clean.rendered(as: .markdown) }),
    ]

    @Test(arguments: snapshots.map(\.0))
    func renderingMatchesTheSnapshot(name: String) throws {
        let output = Self.snapshots.first { $0.0 == name }!.1()
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/reports/\(name)")
        if ProcessInfo.processInfo.environment["PAT_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try output.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(output == (try String(contentsOf: file, encoding: .utf8)))
    }

    @Test(arguments: snapshots.map(\.0))
    func noRenderingShowsASecret(name: String) {
        let output = Self.snapshots.first { $0.0 == name }!.1()
        #expect(!output.contains(Self.pastedToken))
        #expect(!output.contains(Self.leakedValue))
        #expect(SecretScanner().scan(output) == [])
    }

    @Test func theJSONIsValidAndNamesItsSchema() throws {
        let value = try JSONValue.parse(Array(Self.report.rendered(as: .json).utf8))
        let object = try #require(value.objectValue)
        #expect(object["schema"] == .string("pat-check/1"))
        #expect(object["exitStatus"] == .int(1))
        #expect(object["counts"] == .object(["history": .int(1), "content": .int(2), "secrets": .int(2), "policy": .int(2)]))
    }

    @Test func exitStatusIsZeroOnlyWithoutFindings() {
        #expect(Self.clean.exitStatus == 0)
        #expect(Self.report.exitStatus == 1)
        let notice = CheckReport(base: Self.base, head: Self.head, findings: [CheckFinding(category: .policy, severity: .notice, message: "m")])
        #expect(notice.exitStatus == 1)
        // A summary alone (a reviewed, clean change) is no finding.
        #expect(CheckReport(base: Self.base, head: Self.head, summary: Self.summary).exitStatus == 0)
    }

    // MARK: GitHub

    @Test(arguments: [
        ("plain", "plain"), ("50%", "50%25"), ("a\r\nb", "a%0D%0Ab"), ("%0A", "%250A"), ("a:b,c", "a:b,c"),
    ])
    func workflowCommandDataIsEscaped(text: String, escaped: String) {
        #expect(GitHubRenderer.escapeData(text) == escaped)
    }

    @Test(arguments: [
        ("plain", "plain"), ("50%", "50%25"), ("a\r\nb", "a%0D%0Ab"), ("a:b,c", "a%3Ab%2Cc"), ("pat check (secrets)", "pat check (secrets)"),
    ])
    func workflowCommandPropertiesAreEscaped(text: String, escaped: String) {
        #expect(GitHubRenderer.escapeProperty(text) == escaped)
    }

    @Test func anAnnotationCannotBreakOutOfItsLine() {
        let finding = CheckFinding(category: .content, message: "50% done\n::error::forged\r\nmore", path: "dir/a,b:c.json", line: 3)
        let output = CheckReport(base: Self.base, head: Self.head, findings: [finding]).rendered(as: .github)
        #expect(output.split(separator: "\n").first == "::error file=dir/a%2Cb%3Ac.json,line=3,title=pat check (content)::50%25 done%0A::error::forged%0D%0Amore")
        #expect(output.split(separator: "\n").count == 2)
    }

    @Test(arguments: [(0, 0), (9, 0), (10, 0), (11, 1), (25, 15)])
    func atMostTenAnnotationsPerCategory(count: Int, more: Int) {
        var findings = (0..<count).map { CheckFinding(category: .secrets, message: "secret \($0)", path: "f\($0)", line: $0 + 1) }
        findings += (0..<3).map { CheckFinding(category: .content, severity: .warning, message: "content \($0)") }
        let lines = CheckReport(base: Self.base, head: Self.head, findings: findings).rendered(as: .github).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("::error ") && $0.contains("title=pat check (secrets)") }.count == min(count, 10))
        #expect(lines.filter { $0.hasPrefix("::warning ") && $0.contains("title=pat check (content)") }.count == 3)
        let notes = lines.filter { $0.hasPrefix("::notice ") }
        if more == 0 {
            #expect(notes.isEmpty)
        } else {
            let noun = more == 1 ? "finding is" : "findings are"
            #expect(notes == ["::notice title=pat check (secrets)::\(more) more secrets \(noun) not annotated; the job summary lists all \(count)"])
        }
        // The step summary lists every finding.
        let summary = GitHubRenderer.stepSummary(CheckReport(base: Self.base, head: Self.head, findings: findings))
        #expect(summary.components(separatedBy: "secret ").count - 1 == count)
    }

    // MARK: Markdown

    @Test(arguments: [
        ("plain", "`plain`"), ("a`b", "``a`b``"), ("``x", "``` ``x ```"), ("", "` `"), ("a\nb", "`a\\nb`"),
        ("@team <b>", "`@team <b>`"),
    ])
    func markdownValuesAreCodeSpans(value: String, rendered: String) {
        #expect(MarkdownRenderer.code(value) == rendered)
    }

    @Test func tableCellsEscapePipes() {
        #expect(MarkdownRenderer.cell("a|b") == "`a\\|b`")
    }

    @Test func plainMarkdownEscapesPunctuation() {
        #expect(MarkdownRenderer.plain("*x* _y_ <b> [l](u) | `c`") == "\\*x\\* \\_y\\_ \\<b\\> \\[l\\](u) \\| \\`c\\`")
    }

    @Test func aLongCommentIsCut() {
        let findings = (0..<60).map { CheckFinding(category: .content, message: "finding \($0)") }
        let markdown = CheckReport(base: Self.base, head: Self.head, findings: findings).rendered(as: .markdown)
        #expect(markdown.contains("- … and 10 more (run `pat check` to see all)"))
        #expect(!markdown.contains("finding 50"))
    }

    // MARK: Text

    @Test func textShowsControlCharactersAsEscapes() {
        let finding = CheckFinding(category: .content, message: "a\nb\u{1b}[31mc\u{202e}d", path: "p\tq")
        let text = CheckReport(base: Self.base, head: Self.head, findings: [finding]).rendered(as: .text)
        #expect(text.contains("  error: p\\tq: a\\nb\\u{1b}[31mc\\u{202e}d\n"))
    }
}
