import Foundation
import PatCore

/// What the renderers share: short ids, days, how a token and its changes read. Every string from a store goes
/// through `Redaction` before it is shown.
enum Display {
    static let shortLength = 12

    static func short(_ commit: String) -> String { String(commit.prefix(shortLength)) }

    static func day(_ date: Date) -> String { CivilDate(containing: date).description }

    /// Two instants as days, or as full times when they fall on the same day.
    static func pair(_ old: Date, _ new: Date) -> (String, String) {
        day(old) == day(new) ? (Timestamp.format(old), Timestamp.format(new)) : (day(old), day(new))
    }

    static func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }

    static func findingsCount(_ count: Int) -> String { count == 0 ? "no findings" : plural(count, "finding") }

    static func methods(_ token: Token) -> String { "\(token.api.preset) (\(plural(token.api.methods.count, "method")))" }

    /// `main (0123456789ab)`, or the short id alone.
    static func revision(_ revision: CheckReport.Revision) -> String {
        guard let name = revision.name else { return short(revision.commit) }
        return "\(Redaction.line(name)) (\(short(revision.commit)))"
    }

    /// Where a finding is, for text: `path:line (commit id)`, `commit id message line N`, or nil.
    static func location(_ finding: CheckFinding) -> String? {
        var parts: [String] = []
        if let path = finding.path {
            parts.append(Redaction.line(path) + (finding.line.map { ":\($0)" } ?? ""))
            if let commit = finding.commit { parts.append("(commit \(short(commit)))") }
        } else if let commit = finding.commit {
            parts.append("commit \(short(commit))" + (finding.line.map { " message line \($0)" } ?? ""))
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// One line per way a token changed, in plain words; `code` shows a value (method, day, preset), `quoted` a
    /// description.
    static func changeLines(_ change: TokenChange, code: (String) -> String, quoted: (String) -> String,
                            arrow: String) -> [String] {
        let (oldExpiry, newExpiry) = pair(change.old.expires, change.new.expires)
        return change.kinds.map { kind in
            switch kind {
            case .regenerated: "regenerated: a new value, the old one no longer verifies"
            case .scopeWidened: "scope widened: " + change.methodsAdded.map { "+" + code($0) }.joined(separator: ", ")
            case .scopeNarrowed: "scope narrowed: " + change.methodsRemoved.map { "-" + code($0) }.joined(separator: ", ")
            case .expiryExtended: "expiry extended: " + code(oldExpiry) + " \(arrow) " + code(newExpiry)
            case .expiryShortened: "expiry shortened: " + code(oldExpiry) + " \(arrow) " + code(newExpiry)
            case .descriptionChanged: "description: " + quoted(change.old.description) + " \(arrow) " + quoted(change.new.description)
            case .presetChanged: "API preset: " + code(change.old.api.preset) + " \(arrow) " + code(change.new.api.preset)
            case .createdChanged:
                "created: " + code(Timestamp.format(change.old.created)) + " \(arrow) " + code(Timestamp.format(change.new.created))
            }
        }
    }

    static func categoryTitle(_ category: CheckFinding.Category) -> String {
        switch category {
        case .history: "History"
        case .content: "Content"
        case .secrets: "Secrets"
        case .policy: "Policy"
        }
    }
}
