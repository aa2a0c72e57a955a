import Foundation
import PatTestSupport
import Testing
@testable import PatBenchmarks

/// A tiny run of the whole benchmark, so it keeps working. It checks that every figure is measured against
/// its baseline and reported; it asserts no speed (targets belong to the full run, not to noisy tests).
@Suite struct TinyBenchmarkTests {
    @Test func everyMeasurementProducesARowAndTheJSONReadsBack() throws {
        let directory = TemporaryDirectory("bench")
        let config = BenchmarkConfig(tokens: 60, runs: 1, decisions: 300, httpSeconds: 1, httpConnections: 4,
                                     checkCommits: 20, patExecutable: patExecutable, workDirectory: directory.file("work"))
        let report = try Benchmarks.run(config)
        #expect(report.rows.map(\.name) == [
            "cold load, 60 tokens", "authorise, in process, one core", "reload after one change",
            "write: one generate, 100 tokens", "write: one generate, 60 tokens", "check: 20 signed commits",
            "HTTP: pat serve /1.0/... requests/s", "HTTP: pat serve p99 latency", "HTTP: pat serve errors",
        ])
        for row in report.rows {
            #expect(row.ratio.isFinite, "\(row.name)")
            #expect(!row.baseline.isEmpty && !row.measured.isEmpty)
        }
        #expect(report.rows.last?.measured == "0", "pat serve answered every request")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect((json["rows"] as? [[String: Any]])?.count == 9)
        #expect(report.table.split(separator: "\n").count == 11)
    }

    /// `--only check`: the row alone, from a store of its own; the large store is not built for it.
    @Test func onlyCheckBuildsOnlyItsOwnStore() throws {
        let directory = TemporaryDirectory("bench")
        var config = BenchmarkConfig(tokens: 60, runs: 1, checkCommits: 8, patExecutable: patExecutable,
                                     workDirectory: directory.file("work"))
        config.sections = [.check]
        let report = try Benchmarks.run(config)
        #expect(report.rows.map(\.name) == ["check: 8 signed commits"])
        #expect(report.rows.first?.ratio.isFinite == true)
        #expect(report.rows.first?.baseline.hasPrefix("git log --show-signature") == true)
        let made = try FileManager.default.contentsOfDirectory(atPath: directory.file("work"))
        #expect(!made.contains("store-big") && !made.contains("store-small"))
        #expect(made.contains("store-check"))
    }

    @Test func wrkOutputIsRead() throws {
        let output = """
            Running 1s test @ http://127.0.0.1:8080
              Latency Distribution
                 50%  520.00us
                 99%    2.31ms
              1000 requests in 1.00s, 100.00KB read
              Socket errors: connect 0, read 2, write 0, timeout 1
              Non-2xx or 3xx responses: 4
            Requests/sec:  12345.67
            """
        let result = try HTTPBenchmark.parse(output)
        #expect(result.requestsPerSecond == 12345.67)
        #expect(result.p99Milliseconds == 2.31)
        #expect(result.errors == 7)
    }
}
