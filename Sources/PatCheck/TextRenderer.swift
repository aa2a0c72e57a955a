import PatCore

/// The report for people at a terminal: a headline, the findings grouped by category, approvals, then the summary.
public enum TextRenderer {
    public static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        lines.append("pat check \(Display.revision(report.base)) .. \(Display.revision(report.head)): "
            + Display.findingsCount(report.findings.count))
        for category in CheckFinding.Category.allCases {
            let findings = report.findings(in: category)
            guard !findings.isEmpty else { continue }
            lines.append("")
            lines.append("\(Display.categoryTitle(category)) (\(findings.count))")
            for finding in findings {
                let place = Display.location(finding).map { $0 + ": " } ?? ""
                lines.append("  \(finding.severity.rawValue): \(place)\(Redaction.line(finding.message))")
            }
        }
        if let approvals = report.approvals {
            lines.append("")
            lines.append(approvalsLine(approvals))
        }
        lines.append("")
        lines += summaryLines(report.summary)
        return lines.joined(separator: "\n") + "\n"
    }

    static func approvalsLine(_ approvals: CheckReport.Approvals) -> String {
        var line = "Approvals: \(approvals.count) of \(approvals.required) required"
        if !approvals.approvedBy.isEmpty { line += " (" + approvals.approvedBy.map(Redaction.line).joined(separator: ", ") + ")" }
        if !approvals.isSatisfied {
            line += approvals.couldApprove.isEmpty
                ? "; nobody else trusted by the base can approve"
                : "; could still approve: " + approvals.couldApprove.map(Redaction.line).joined(separator: ", ")
        }
        return line
    }

    static func token(_ token: Token) -> String {
        "\(token.id) \"\(Redaction.line(token.description))\", API \(Redaction.line(Display.methods(token))), expires \(Display.day(token.expires))"
    }

    static func summaryLines(_ summary: ChangeSummary) -> [String] {
        guard !summary.isEmpty else { return ["Changes: none"] }
        var lines = ["Changes"]
        func section(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("  \(title) (\(items.count)):")
            lines += items.map { "    " + $0 }
        }
        section("Tokens added", summary.tokensAdded.map { "+ " + token($0) })
        section("Tokens removed", summary.tokensRemoved.map { "- " + token($0) })
        if !summary.tokensChanged.isEmpty {
            lines.append("  Tokens changed (\(summary.tokensChanged.count)):")
            for change in summary.tokensChanged {
                lines.append("    ~ \(change.id) \"\(Redaction.line(change.new.description))\"")
                lines += Display.changeLines(change, code: Redaction.line, quoted: { "\"" + Redaction.line($0) + "\"" }, arrow: "->")
                    .map { "        " + $0 }
            }
        }
        section("Signers added", summary.signersAdded.map { signer in
            "+ \(Redaction.line(signer.principal)) \(signer.fingerprint)"
                + (signer.removedEarlierAs.map { " (comes back: this key was removed earlier, as \(Redaction.line($0)))" } ?? "")
        })
        section("Signers removed", summary.signersRemoved.map { "- \(Redaction.line($0.principal)) \($0.fingerprint)" })
        section("Signers renamed", summary.signersRenamed.map { rename in
            "~ \(rename.fingerprint): " + rename.oldPrincipals.map(Redaction.line).joined(separator: ", ") + " -> "
                + rename.newPrincipals.map(Redaction.line).joined(separator: ", ")
        })
        section("Settings changed", summary.settingsChanged.map { setting in
            "\(Redaction.line(setting.key)): \(setting.old.map(Redaction.line) ?? "(not set)") -> \(setting.new.map(Redaction.line) ?? "(not set)")"
        })
        section("Presets added", summary.presetsAdded.map { "+ \"\(Redaction.line($0.name))\" (\(Redaction.line($0.path)))" })
        section("Presets removed", summary.presetsRemoved.map { "- \"\(Redaction.line($0.name))\" (\(Redaction.line($0.path)))" })
        section("Presets changed", summary.presetsChanged.map { "~ \"\(Redaction.line($0.name))\" (\(Redaction.line($0.path)))" })
        section("Unreadable files, left out of the summary", summary.unreadable.map {
            "\(Redaction.line($0.path)) (\($0.side.rawValue)): \(Redaction.line($0.reason))"
        })
        return lines
    }
}
