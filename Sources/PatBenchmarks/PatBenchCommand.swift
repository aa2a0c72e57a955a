import ArgumentParser
import Foundation

extension BenchmarkSection: ExpressibleByArgument {}

/// `pat-bench`: builds stores in a temporary folder, measures, prints the table and writes it as JSON.
/// Exits non-zero only when something could not be measured; a missed target is reported, not fatal.
public struct PatBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pat-bench",
        abstract: "Measure pat against baselines taken in the same run (build with -c release).")

    @Option(help: "Tokens in the large store.") var tokens = 100_000
    @Option(help: "Interleaved runs per measurement (medians are reported).") var runs = 5
    @Option(help: "Decisions per authorisation run.") var decisions = 300_000
    @Option(help: "Seconds per wrk run.") var httpSeconds = 10
    @Option(help: "Workers of each HTTP server (nginx worker processes, pat serve --threads).") var serverThreads = 1
    @Option(help: "Signed commits on the branch pat check judges.") var checkCommits = 1000
    @Option(help: ArgumentHelp("Measure only these parts (for profiling one of them).", valueName: "part"))
    var only: [BenchmarkSection] = []
    @Option(help: "Write the results as JSON here.") var output = "bench-results/latest.json"
    @Option(help: "Also write the table as Markdown here.") var table: String?

    public init() {}

    public func run() throws {
        let work = NSTemporaryDirectory() + "pat-bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let pat = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pat").path
        var config = BenchmarkConfig(tokens: tokens, runs: runs, decisions: decisions, httpSeconds: httpSeconds,
                                     httpServerThreads: serverThreads, checkCommits: checkCommits, patExecutable: pat, workDirectory: work) { line in
            FileHandle.standardError.write(Data("pat-bench: \(line)\n".utf8))
        }
        if !only.isEmpty { config.sections = Set(only) }
        let report: BenchmarkReport
        do {
            report = try Benchmarks.run(config)
        } catch {
            FileHandle.standardError.write(Data("pat-bench: could not measure: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("Machine: \(report.machine)\n")
        print(report.table)
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try report.json.write(toFile: output, atomically: true, encoding: .utf8)
        if let table { try (report.table + "\n").write(toFile: table, atomically: true, encoding: .utf8) }
    }
}
