/// One thing `pat check` found wrong with a change.
public struct CheckFinding: Equatable, Sendable {
    /// The part of the check that found it, in the order reports list them.
    public enum Category: String, Sendable, CaseIterable {
        /// Ancestry and the trust rule for what would land.
        case history
        /// The head tree's files.
        case content
        /// Secrets in added blobs and commit messages.
        case secrets
        /// The base's policy: lifetime, forbidden methods, approvals.
        case policy
    }

    /// How a finding is shown (GitHub annotation level, text marker). Every finding, whatever its severity, makes
    /// the check fail (`CheckReport.exitStatus`).
    public enum Severity: String, Sendable, CaseIterable {
        case error, warning, notice
    }

    public var category: Category
    public var severity: Severity
    /// One sentence naming what is wrong. Renderers redact any secret in it, but it should hold none.
    public var message: String
    /// The commit the finding is about, a full object id.
    public var commit: String?
    /// The file the finding is about, a path in the tree.
    public var path: String?
    /// 1-based line in `path` (or in the commit message when `path` is nil).
    public var line: Int?

    public init(category: Category, severity: Severity = .error, message: String, commit: String? = nil,
                path: String? = nil, line: Int? = nil) {
        self.category = category
        self.severity = severity
        self.message = message
        self.commit = commit
        self.path = path
        self.line = line
    }

    /// The finding for a secret the scanner found in a blob at `path`, or in the message of `commit` when `path` is
    /// nil. It carries only the redacted display.
    public static func secret(_ match: SecretMatch, commit: String?, path: String?) -> CheckFinding {
        let place = path == nil ? "the commit message" : "the file"
        return CheckFinding(category: .secrets, severity: .error,
                            message: "\(place) holds \(match.kind.label) (\(match.redacted)); remove it from the history and revoke it",
                            commit: commit, path: path, line: match.line)
    }
}

/// Everything `pat check` found: the findings, the change summary a reviewer reads, and where approvals stand.
public struct CheckReport: Equatable, Sendable {
    /// A commit the check compared, with the name it was given by (`main`, `HEAD`, a branch), when there was one.
    public struct Revision: Equatable, Sendable {
        public var name: String?
        /// The full object id.
        public var commit: String

        public init(name: String? = nil, commit: String) {
            self.name = name
            self.commit = commit
        }
    }

    /// Signatures counted for the change under the base's `requiredApprovals`.
    public struct Approvals: Equatable, Sendable {
        /// Distinct principals counted so far.
        public var count: Int
        public var required: Int
        /// The principals counted, in the order they signed.
        public var approvedBy: [String]
        /// Principals trusted by the base who have not signed yet and whose approval would count.
        public var couldApprove: [String]

        public init(count: Int, required: Int, approvedBy: [String], couldApprove: [String]) {
            self.count = count
            self.required = required
            self.approvedBy = approvedBy
            self.couldApprove = couldApprove
        }

        public var isSatisfied: Bool { count >= required }
    }

    public var base: Revision
    public var head: Revision
    public var findings: [CheckFinding]
    public var summary: ChangeSummary
    /// Nil when approvals were not counted.
    public var approvals: Approvals?

    public init(base: Revision, head: Revision, findings: [CheckFinding] = [], summary: ChangeSummary = ChangeSummary(),
                approvals: Approvals? = nil) {
        self.base = base
        self.head = head
        self.findings = findings
        self.summary = summary
        self.approvals = approvals
    }

    /// The findings of one category, in the order they were found.
    public func findings(in category: CheckFinding.Category) -> [CheckFinding] {
        findings.filter { $0.category == category }
    }

    /// `pat check`'s exit status for a check that ran: 0 when it found nothing, 1 when it found something. (2, a usage
    /// error, and 3, could not check, are the CLI's to decide: there is no report then.)
    public var exitStatus: Int32 { findings.isEmpty ? 0 : 1 }

    /// The output in one of the formats.
    public func rendered(as format: CheckReportFormat) -> String {
        switch format {
        case .text: TextRenderer.render(self)
        case .json: JSONRenderer.render(self)
        case .github: GitHubRenderer.annotations(self)
        case .markdown: MarkdownRenderer.render(self)
        }
    }
}

public enum CheckReportFormat: String, Sendable, CaseIterable {
    /// For people at a terminal: findings grouped by category, then the summary.
    case text
    /// `pat-check/1`, documented in docs/check-report.md.
    case json
    /// GitHub Actions workflow commands (annotations) for the log; `GitHubRenderer.stepSummary` is the markdown for
    /// `$GITHUB_STEP_SUMMARY`.
    case github
    /// A pull-request comment.
    case markdown
}
