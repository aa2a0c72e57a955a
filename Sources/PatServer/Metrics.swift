import Foundation
import PatCore

/// Prometheus text format (version 0.0.4).
enum Metrics {
    static func render(authority: Authority) -> String {
        let status = authority.state.currentStatus
        let counts = authority.state.decisionCounts
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        metric("pat_decisions_total", "counter", "Authorisation decisions by platform result code.",
               ResultCode.allCases.map { ("{result=\"\($0.rawValue)\",reason=\"\($0)\"}", String(counts[$0] ?? 0)) })
        metric("pat_router_connections_total", "counter",
               "Connections served by the full HTTP stack: their first request was not a plain keep-alive GET of /1.0/... or /auth.",
               [("", String(authority.state.handOverCount))])
        metric("pat_reloads_total", "counter", "Store heads verified and swapped in.", [("", String(status.reloads))])
        metric("pat_reload_seconds", "gauge", "How long the last verified reload took.", [("", String(format: "%.6f", status.lastReloadSeconds))])
        metric("pat_refused_heads_total", "counter", "Store heads refused by the trust checks.", [("", String(status.refusals))])
        metric("pat_tokens", "gauge", "Tokens in the snapshot in force.", [("", String(status.tokenCount))])
        metric("pat_token_problems", "gauge", "Token files denied because they could not be read.", [("", String(status.problems.count))])
        if let snapshot = authority.state.current {
            metric("pat_snapshot_age_seconds", "gauge", "Age of the verified head's commit.",
                   [("", String(format: "%.0f", authority.clock().timeIntervalSince(snapshot.committed)))])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
