import PatCore

/// The report as GitHub-flavoured markdown: a pull-request comment (or a job summary). A headline, approvals, a
/// table of token changes, signers, settings and presets, then the findings.
///
/// Values from the store are shown as code spans, so that nothing in a description or principal is read as
/// markdown, HTML or a mention; every one is redacted first.
public enum MarkdownRenderer {
    /// How much a comment shows; a forge limits a comment's size (GitHub: 65536 characters).
    public struct Limits: Sendable {
        public var findingsPerCategory: Int
        public var tokenRows: Int

        public init(findingsPerCategory: Int, tokenRows: Int) {
            self.findingsPerCategory = findingsPerCategory
            self.tokenRows = tokenRows
        }

        public static let comment = Limits(findingsPerCategory: 50, tokenRows: 100)
        public static let unlimited = Limits(findingsPerCategory: .max, tokenRows: .max)
    }

    /// The first line, an HTML comment a bot can find to update its earlier comment instead of adding one.
    public static let marker = "<!-- pat-check -->"

    public static func render(_ report: CheckReport, limits: Limits = .comment) -> String {
        var lines: [String] = [marker]
        let count = report.findings.count
        lines.append("### pat check: " + (count == 0 ? "no findings" : "**\(Display.plural(count, "finding"))**"))
        lines.append("")
        lines.append("Base \(revision(report.base)), head \(revision(report.head)).")
        if let approvals = report.approvals {
            lines.append("")
            lines.append(approvalsLine(approvals))
        }
        lines += summary(report.summary, limits: limits)
        if count > 0 {
            lines.append("")
            lines.append("#### Findings")
            for category in CheckFinding.Category.allCases {
                let findings = report.findings(in: category)
                guard !findings.isEmpty else { continue }
                lines.append("")
                lines.append("**\(Display.categoryTitle(category))** (\(findings.count))")
                lines.append("")
                for finding in findings.prefix(limits.findingsPerCategory) { lines.append("- " + self.finding(finding)) }
                if findings.count > limits.findingsPerCategory {
                    lines.append("- … and \(findings.count - limits.findingsPerCategory) more (run `pat check` to see all)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Escaping

    /// A value as a code span: redacted, control characters made visible, fenced with more backticks than it holds.
    public static func code(_ value: String) -> String {
        let text = Redaction.line(value)
        guard !text.isEmpty else { return "` `" }
        var longest = 0, current = 0
        for character in text {
            if character == "`" { current += 1; longest = max(longest, current) } else { current = 0 }
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padded = text.hasPrefix("`") || text.hasSuffix("`") || (text.hasPrefix(" ") && text.hasSuffix(" ")) ? " \(text) " : text
        return fence + padded + fence
    }

    /// A code span in a table cell, where `|` ends the cell even inside a code span unless escaped.
    public static func cell(_ value: String) -> String { code(value).replacingOccurrences(of: "|", with: "\\|") }

    /// Plain text with markdown's punctuation escaped (finding messages), redacted.
    public static func plain(_ value: String) -> String {
        var out = ""
        for character in Redaction.line(value) {
            if "\\`*_[]<>|~".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    // MARK: Parts

    static func revision(_ revision: CheckReport.Revision) -> String {
        guard let name = revision.name else { return code(Display.short(revision.commit)) }
        return "\(code(name)) (\(code(Display.short(revision.commit))))"
    }

    static func approvalsLine(_ approvals: CheckReport.Approvals) -> String {
        var line = "**Approvals:** \(approvals.count) of \(approvals.required) required"
        if !approvals.approvedBy.isEmpty { line += ", by " + approvals.approvedBy.map(code).joined(separator: ", ") }
        if !approvals.isSatisfied {
            line += approvals.couldApprove.isEmpty
                ? "; nobody else trusted by the base can approve"
                : "; could still approve: " + approvals.couldApprove.map(code).joined(separator: ", ")
        }
        return line + "."
    }

    static func finding(_ finding: CheckFinding) -> String {
        var place: [String] = []
        if let path = finding.path { place.append(code(path) + (finding.line.map { " line \($0)" } ?? "")) }
        if let commit = finding.commit {
            place.append("commit " + code(Display.short(commit))
                + (finding.path == nil ? (finding.line.map { " message line \($0)" } ?? "") : ""))
        }
        let prefix = "**\(finding.severity.rawValue)**" + (place.isEmpty ? "" : " " + place.joined(separator: ", "))
        return prefix + ": " + plain(finding.message)
    }

    static func summary(_ summary: ChangeSummary, limits: Limits) -> [String] {
        guard !summary.isEmpty else { return ["", "No changes to tokens, signers, settings or presets."] }
        var lines: [String] = []
        var rows: [String] = []
        for token in summary.tokensAdded {
            rows.append(row(token.id, token.description, "added", Display.methods(token), Display.day(token.expires)))
        }
        for token in summary.tokensRemoved {
            rows.append(row(token.id, token.description, "removed", Display.methods(token), Display.day(token.expires)))
        }
        for change in summary.tokensChanged {
            let what = Display.changeLines(change, code: cell, quoted: cell, arrow: "→").joined(separator: "<br>")
            rows.append(row(change.id, change.new.description, what, Display.methods(change.new), Display.day(change.new.expires)))
        }
        if !rows.isEmpty {
            lines += ["", "#### Token changes", "", "| Token | Description | Change | API | Expires |", "|---|---|---|---|---|"]
            lines += rows.prefix(limits.tokenRows)
            if rows.count > limits.tokenRows {
                lines += ["", "… and \(rows.count - limits.tokenRows) more token changes (run `pat check` to see all)."]
            }
        }
        var signers: [String] = []
        for signer in summary.signersAdded {
            signers.append("- added \(code(signer.principal)) \(code(signer.fingerprint))"
                + (signer.removedEarlierAs.map { " — **comes back**: this key was removed earlier, as \(code($0))" } ?? ""))
        }
        for signer in summary.signersRemoved { signers.append("- removed \(code(signer.principal)) \(code(signer.fingerprint))") }
        for rename in summary.signersRenamed {
            signers.append("- renamed \(code(rename.fingerprint)): " + rename.oldPrincipals.map(code).joined(separator: ", ")
                + " → " + rename.newPrincipals.map(code).joined(separator: ", "))
        }
        if !signers.isEmpty { lines += ["", "#### Signers", ""] + signers }
        if !summary.settingsChanged.isEmpty {
            lines += ["", "#### Settings", "", "| Setting | Old | New |", "|---|---|---|"]
            for setting in summary.settingsChanged {
                lines.append("| \(cell(setting.key)) | \(setting.old.map(cell) ?? "(not set)") | \(setting.new.map(cell) ?? "(not set)") |")
            }
        }
        var presets: [String] = []
        presets += summary.presetsAdded.map { "- added \(code($0.name)) (\(code($0.path)))" }
        presets += summary.presetsRemoved.map { "- removed \(code($0.name)) (\(code($0.path)))" }
        presets += summary.presetsChanged.map { "- changed \(code($0.name)) (\(code($0.path)))" }
        if !presets.isEmpty { lines += ["", "#### Presets", ""] + presets }
        if !summary.unreadable.isEmpty {
            lines += ["", "#### Unreadable files (left out of the summary)", ""]
            lines += summary.unreadable.map { "- \(code($0.path)) (\($0.side.rawValue)): \(plain($0.reason))" }
        }
        return lines
    }

    /// A row of the token table; `change` is markdown already.
    static func row(_ id: TokenID, _ description: String, _ change: String, _ api: String, _ expires: String) -> String {
        "| \(cell(id.rawValue)) | \(cell(description)) | \(change) | \(cell(api)) | \(expires) |"
    }
}
