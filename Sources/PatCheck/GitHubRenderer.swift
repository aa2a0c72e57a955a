/// GitHub Actions output: workflow-command annotations for the log, and the whole report as markdown for the
/// job summary (`$GITHUB_STEP_SUMMARY`).
///
/// GitHub shows only a few annotations per step, so at most `annotationsPerCategory` findings of each category
/// become annotations; a notice says how many more there are, and the job summary lists them all.
public enum GitHubRenderer {
    public static let annotationsPerCategory = 10

    /// One `::error file=PATH,line=N,title=...::message` line per finding (up to the limit per category), then one
    /// plain line with the count.
    public static func annotations(_ report: CheckReport, perCategory limit: Int = annotationsPerCategory) -> String {
        var lines: [String] = []
        for category in CheckFinding.Category.allCases {
            let findings = report.findings(in: category)
            let title = "pat check (\(category.rawValue))"
            for finding in findings.prefix(limit) {
                var properties: [(String, String)] = []
                if let path = finding.path {
                    properties.append(("file", path))
                    if let line = finding.line { properties.append(("line", String(line))) }
                }
                properties.append(("title", title))
                var message = finding.message
                if let commit = finding.commit {
                    message += finding.path == nil && finding.line != nil
                        ? " (commit \(Display.short(commit)), message line \(finding.line!))"
                        : " (commit \(Display.short(commit)))"
                }
                lines.append(command(finding.severity.rawValue, properties, message))
            }
            if findings.count > limit {
                let more = findings.count - limit
                lines.append(command("notice", [("title", title)],
                                     "\(more) more \(category.rawValue) \(more == 1 ? "finding is" : "findings are") not annotated; the job summary lists all \(findings.count)"))
            }
        }
        lines.append("pat check \(Display.revision(report.base)) .. \(Display.revision(report.head)): "
            + Display.findingsCount(report.findings.count))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The markdown for `$GITHUB_STEP_SUMMARY`: the whole report, every finding.
    public static func stepSummary(_ report: CheckReport) -> String {
        MarkdownRenderer.render(report, limits: .unlimited)
    }

    /// `::name key=value,key=value::message`, properties and message escaped as GitHub's toolkit does, and
    /// redacted.
    static func command(_ name: String, _ properties: [(String, String)], _ message: String) -> String {
        let list = properties.map { "\($0.0)=\(escapeProperty(Redaction.redact($0.1)))" }.joined(separator: ",")
        return "::\(name)\(list.isEmpty ? "" : " " + list)::\(escapeData(Redaction.redact(message)))"
    }

    /// The message of a workflow command: `%`, CR and LF percent-encoded.
    public static func escapeData(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A property value of a workflow command: as data, and `:` and `,` too.
    public static func escapeProperty(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
