import Foundation
import PatCore
import PatGit
import PatStore

/// Text and JSON forms of what the commands print.
enum Render {
    static func day(_ date: Date) -> String { CivilDate(containing: date).dashboardForm }

    static func tokenJSON(_ token: Token, now: Date, secret: TokenSecret? = nil) -> JSONText {
        var members: [(String, JSONText)] = [
            ("id", .string(token.id.rawValue)),
            ("description", .string(token.description)),
            ("created", .string(Timestamp.format(token.created))),
            ("expires", .string(Timestamp.format(token.expires))),
            ("expired", .bool(token.isExpired(at: now))),
            ("preset", .string(token.api.preset)),
            ("methods", .array(token.api.methods.map(JSONText.string))),
            ("hash", .string(token.hash.description)),
        ]
        if let secret { members.append(("token", .string(secret.value))) }
        return .object(members)
    }

    /// " on branch NAME" for a change written to a branch, "" for main.
    static func onBranch(_ branch: String?) -> String { branch.map { " on branch \($0)" } ?? "" }

    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func tokenTable(_ tokens: [Token], now: Date) -> String {
        table([["ID", "EXPIRES", "STATUS", "API", "DESCRIPTION"]] + tokens.map { token in
            [token.id.rawValue, day(token.expires), token.isExpired(at: now) ? "expired" : "active",
             "\(token.api.preset) (\(token.api.methods.count))", DisplayText.escaped(token.description)]
        })
    }

    static func tokenDetails(_ token: Token, now: Date) -> String {
        var lines = [
            "Token        \(token.id)",
            "Description  \(DisplayText.escaped(token.description))",
            "Created      \(Timestamp.format(token.created))",
            "Expires      \(Timestamp.format(token.expires)) (\(day(token.expires)))\(token.isExpired(at: now) ? ", EXPIRED" : "")",
            "Hash         \(token.hash)",
            "File         \(token.id.path)",
            "API          \(token.api.preset), \(token.api.methods.count) methods:",
        ]
        lines += token.api.methods.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    static func recordJSON(_ record: CommitRecord) -> JSONText {
        var signature: [(String, JSONText)] = [("verified", .bool(record.signature.isGood)), ("status", .string(record.signature.summary))]
        if case .good(let principal, let fingerprint) = record.signature {
            signature += [("principal", .string(principal)), ("fingerprint", .string(fingerprint))]
        }
        return .object([
            ("commit", .string(record.id.hex)),
            ("date", .string(Timestamp.format(record.date))),
            ("author", .string("\(record.author.name) <\(record.author.email)>")),
            ("operation", .string(record.operation ?? "")),
            ("tokens", .array(record.tokens.map(JSONText.string))),
            ("subject", .string(record.subject)),
            ("signature", .object(signature)),
        ])
    }

    static func recordLine(_ record: CommitRecord) -> String {
        let mark = record.signature.isGood ? "ok " : "!! "
        return "\(mark)\(record.id.short)  \(Timestamp.format(record.date))  \(DisplayText.escaped(record.subject))\n"
            + "   \(record.signature.summary); author \(DisplayText.escaped("\(record.author.name) <\(record.author.email)>"))"
    }

    /// The new values as they are handed over, in one piece: the value, or one "<id> <value>" line per token; on
    /// standard output with --json, the object that carries them.
    static func secrets(_ committed: CommittedChange, to destination: SecretOutput.Destination, json: Bool, now: Date) -> String {
        if destination == .standardOutput && json { return committedJSON(committed, now: now, withValues: true) + "\n" }
        let tokens = committed.change.tokens
        let secrets = committed.change.secrets
        if tokens.count == 1 { return secrets[tokens[0].id]!.value + "\n" }
        return tokens.map { "\($0.id) \(secrets[$0.id]!.value)\n" }.joined()
    }

    static func committedJSON(_ committed: CommittedChange, now: Date, withValues: Bool) -> String {
        JSONText.object([
            ("commit", .string(committed.commit.hex)),
            ("tokens", .array(committed.change.tokens.map {
                tokenJSON($0, now: now, secret: withValues ? committed.change.secrets[$0.id] : nil)
            })),
        ]).rendered()
    }

    /// One line per token on stderr, once its value is delivered.
    static func notes(_ committed: CommittedChange) {
        for token in committed.change.tokens {
            Console.note("\(committed.change.message.operation.rawValue): token \(token.id) \"\(DisplayText.escaped(token.description))\", expires \(day(token.expires)), API \(token.api.preset) (\(token.api.methods.count) methods); commit \(committed.commit.short)\(Render.onBranch(committed.branch))")
        }
    }
}
