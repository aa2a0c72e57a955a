import Foundation
import PatCore

/// One row of the table: what was measured, against which baseline from the same run, and the target.
public struct BenchmarkRow: Sendable {
    public let name: String
    public let measured: String
    public let baseline: String
    public let ratio: Double
    public let target: String
    public let met: Bool
    public let note: String

    public init(name: String, measured: String, baseline: String, ratio: Double, target: String, met: Bool, note: String = "") {
        self.name = name
        self.measured = measured
        self.baseline = baseline
        self.ratio = ratio
        self.target = target
        self.met = met
        self.note = note
    }
}

public struct BenchmarkReport: Sendable {
    public var machine: String
    public var tokens: Int
    public var rows: [BenchmarkRow] = []
    public var date = Date()

    public var table: String {
        let header = ["what", "pat", "baseline (same run)", "ratio", "target", "met"]
        let body = rows.map { [$0.name, $0.measured, $0.baseline, String(format: "%.3f", $0.ratio), $0.target, $0.met ? "yes" : "NO"] }
        let all = [header] + body
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        return ([line(header), "| " + widths.map { String(repeating: "-", count: $0) }.joined(separator: " | ") + " |"] + body.map(line))
            .joined(separator: "\n")
    }

    public var json: String {
        JSONText.object([
            ("date", .string(Timestamp.format(date))),
            ("machine", .string(machine)),
            ("tokens", .int(tokens)),
            ("rows", .array(rows.map { row in
                .object([("what", .string(row.name)), ("pat", .string(row.measured)), ("baseline", .string(row.baseline)),
                         ("ratio", .string(String(format: "%.4f", row.ratio))), ("target", .string(row.target)),
                         ("met", .bool(row.met)), ("note", .string(row.note))])
            })),
        ]).rendered()
    }

    public static func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)"
    }
}

/// Timing helpers: medians of interleaved runs, so drift hits pat and its baseline alike.
enum Measure {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs `a` and `b` alternately `runs` times after one warm-up each; returns their medians.
    static func interleaved(runs: Int, _ a: () throws -> Double, _ b: () throws -> Double) rethrows -> (Double, Double) {
        _ = try a()
        _ = try b()
        var first: [Double] = []
        var second: [Double] = []
        for _ in 0..<runs {
            first.append(try a())
            second.append(try b())
        }
        return (median(first), median(second))
    }

    static func format(seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2f s", seconds) }
        if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.1f µs", seconds * 1e6)
    }

    static func format(rate: Double) -> String {
        rate >= 1e6 ? String(format: "%.2f M/s", rate / 1e6) : String(format: "%.0f /s", rate)
    }
}
