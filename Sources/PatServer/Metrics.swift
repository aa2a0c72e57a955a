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
        metric("pat_store_readable", "gauge", "1 while the store's folder can be read, 0 while it is gone or unreadable.",
               [("", status.storeProblem == nil ? "1" : "0")])
        let connections = authority.state.connections.current
        metric("pat_connections", "gauge", "Connections open now.", [("", String(connections.open))])
        metric("pat_connection_limit", "gauge",
               "Most connections kept open at once: --max-connections, lowered to fit the open-files limit.",
               [("", String(connections.cap))])
        metric("pat_connections_accepted_total", "counter", "Connections accepted.", [("", String(connections.accepted))])
        metric("pat_connection_limit_reached_total", "counter",
               "Times accepting stopped because the connection limit was reached.", [("", String(connections.pausedAtCap))])
        metric("pat_connections_closed_at_limit_total", "counter", "Connections accepted past the limit and closed at once.",
               [("", String(connections.closedAtCap))])
        metric("pat_accept_errors_total", "counter", "Failed accepts (out of descriptors or memory; a client gone before it was accepted).",
               [("", String(connections.acceptErrors))])
        metric("pat_connections_timed_out_total", "counter", "Connections closed by a timeout: a request that did not arrive whole (408), or idle.",
               [("{timeout=\"header\"}", String(connections.headerTimeouts)), ("{timeout=\"idle\"}", String(connections.idleTimeouts))])
        metric("pat_expect_total", "counter", "Expect headers: 100-continue answered, other expectations refused with 417.",
               [("{answer=\"100\"}", String(connections.continues)), ("{answer=\"417\"}", String(connections.expectationsRefused))])
        if let snapshot = authority.state.current {
            metric("pat_snapshot_age_seconds", "gauge", "Age of the verified head's commit.",
                   [("", String(format: "%.0f", authority.clock().timeIntervalSince(snapshot.committed)))])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
