import PatCore

/// The report as JSON, schema `pat-check/1` (docs/check-report.md). Keys always come in the documented order;
/// optional keys are left out rather than null. Every string from a store is redacted.
public enum JSONRenderer {
    public static let schema = "pat-check/1"

    public static func render(_ report: CheckReport) -> String {
        var members: [(String, JSONText)] = [
            ("schema", .string(schema)),
            ("base", revision(report.base)),
            ("head", revision(report.head)),
            ("exitStatus", .int(Int(report.exitStatus))),
            ("counts", .object(CheckFinding.Category.allCases.map { ($0.rawValue, .int(report.findings(in: $0).count)) })),
            ("findings", .array(report.findings.map(finding))),
        ]
        if let approvals = report.approvals {
            members.append(("approvals", .object([
                ("count", .int(approvals.count)),
                ("required", .int(approvals.required)),
                ("satisfied", .bool(approvals.isSatisfied)),
                ("approvedBy", strings(approvals.approvedBy)),
                ("couldApprove", strings(approvals.couldApprove)),
            ])))
        }
        members.append(("summary", summary(report.summary)))
        return JSONText.object(members).rendered()
    }

    static func text(_ value: String) -> JSONText { .string(Redaction.redact(value)) }

    static func strings(_ values: [String]) -> JSONText { .array(values.map(text)) }

    static func revision(_ revision: CheckReport.Revision) -> JSONText {
        var members: [(String, JSONText)] = []
        if let name = revision.name { members.append(("name", text(name))) }
        members.append(("commit", text(revision.commit)))
        return .object(members)
    }

    static func finding(_ finding: CheckFinding) -> JSONText {
        var members: [(String, JSONText)] = [
            ("category", .string(finding.category.rawValue)),
            ("severity", .string(finding.severity.rawValue)),
            ("message", text(finding.message)),
        ]
        if let commit = finding.commit { members.append(("commit", text(commit))) }
        if let path = finding.path { members.append(("path", text(path))) }
        if let line = finding.line { members.append(("line", .int(line))) }
        return .object(members)
    }

    static func token(_ token: Token) -> JSONText {
        .object([
            ("id", .string(token.id.rawValue)),
            ("description", text(token.description)),
            ("preset", text(token.api.preset)),
            ("methodCount", .int(token.api.methods.count)),
            ("methods", strings(token.api.methods)),
            ("created", .string(Timestamp.format(token.created))),
            ("expires", .string(Timestamp.format(token.expires))),
        ])
    }

    static func tokenChange(_ change: TokenChange) -> JSONText {
        var before: [(String, JSONText)] = [], after: [(String, JSONText)] = []
        func field(_ key: String, _ old: String, _ new: String) {
            guard old != new else { return }
            before.append((key, text(old)))
            after.append((key, text(new)))
        }
        field("description", change.old.description, change.new.description)
        field("preset", change.old.api.preset, change.new.api.preset)
        field("created", Timestamp.format(change.old.created), Timestamp.format(change.new.created))
        field("expires", Timestamp.format(change.old.expires), Timestamp.format(change.new.expires))
        return .object([
            ("id", .string(change.id.rawValue)),
            ("description", text(change.new.description)),
            ("changes", .array(change.kinds.map { .string($0.rawValue) })),
            ("methodsAdded", strings(change.methodsAdded)),
            ("methodsRemoved", strings(change.methodsRemoved)),
            ("before", .object(before)),
            ("after", .object(after)),
        ])
    }

    static func signer(_ signer: SignerChange) -> JSONText {
        var members: [(String, JSONText)] = [("principal", text(signer.principal)), ("fingerprint", text(signer.fingerprint))]
        if let former = signer.removedEarlierAs { members.append(("removedEarlierAs", text(former))) }
        return .object(members)
    }

    static func summary(_ summary: ChangeSummary) -> JSONText {
        .object([
            ("tokensAdded", .array(summary.tokensAdded.map(token))),
            ("tokensRemoved", .array(summary.tokensRemoved.map(token))),
            ("tokensChanged", .array(summary.tokensChanged.map(tokenChange))),
            ("signersAdded", .array(summary.signersAdded.map(signer))),
            ("signersRemoved", .array(summary.signersRemoved.map(signer))),
            ("signersRenamed", .array(summary.signersRenamed.map { rename in
                .object([
                    ("fingerprint", text(rename.fingerprint)),
                    ("oldPrincipals", strings(rename.oldPrincipals)),
                    ("newPrincipals", strings(rename.newPrincipals)),
                ])
            })),
            ("settingsChanged", .array(summary.settingsChanged.map { setting in
                var members: [(String, JSONText)] = [("key", text(setting.key))]
                if let old = setting.old { members.append(("old", text(old))) }
                if let new = setting.new { members.append(("new", text(new))) }
                return .object(members)
            })),
            ("presetsAdded", .array(summary.presetsAdded.map(preset))),
            ("presetsRemoved", .array(summary.presetsRemoved.map(preset))),
            ("presetsChanged", .array(summary.presetsChanged.map(preset))),
            ("unreadable", .array(summary.unreadable.map { file in
                .object([("path", text(file.path)), ("side", .string(file.side.rawValue)), ("reason", text(file.reason))])
            })),
        ])
    }

    static func preset(_ preset: PresetChange) -> JSONText {
        .object([("path", text(preset.path)), ("name", text(preset.name))])
    }
}
