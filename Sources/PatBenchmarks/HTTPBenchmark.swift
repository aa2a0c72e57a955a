import Foundation
import PatCore

#if canImport(Glibc)
import Glibc
#endif

/// `pat serve` under wrk on loopback, against nginx answering `return 200` with the same wrk settings. Each server
/// gets one worker (nginx `worker_processes 1`, `pat serve --threads 1`), and wrk two threads: on a two-core
/// machine a server with as many threads as cores fights wrk for them, which measures the scheduler more than the
/// server (docs/benchmarks.md has both).
enum HTTPBenchmark {
    struct WrkResult {
        let requestsPerSecond: Double
        let p99Milliseconds: Double
        let errors: Int
    }

    static func run(_ bench: BenchStore, _ config: BenchmarkConfig) throws -> [BenchmarkRow] {
        guard let pat = config.patExecutable, FileManager.default.isExecutableFile(atPath: pat) else {
            throw BenchmarkFailure(description: "no pat executable next to pat-bench: build it (swift build -c release)")
        }
        for tool in ["wrk", "nginx"] where (try? runCapturing("sh", ["-c", "command -v \(tool)"])) == nil {
            throw BenchmarkFailure(description: "\(tool) is not installed: run scripts/setup \(tool)")
        }
        let directory = config.workDirectory + "/http"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        // The request mix: a third allowed, denied and unknown, each a platform URL with the token as `session`.
        let paths = bench.requests(min(3000, max(30, bench.values.count * 3))).map { "\($0.urlPath)?envName=bench&session=\($0.token)" }
        let script = directory + "/requests.lua"
        try ("local paths = {\n" + paths.map { "  \"\($0)\"," }.joined(separator: "\n") + "\n}\n" + """
            local i = 0
            request = function()
              i = i + 1
              if i > #paths then i = 1 end
              return wrk.format("GET", paths[i])
            end
            """).write(toFile: script, atomically: true, encoding: .utf8)

        let server = try Background(pat, ["serve", "--store", bench.path, "--allowed-signers", bench.signersFile,
                                          "--listen", "127.0.0.1:0", "--threads", String(config.httpServerThreads)],
                                   directory: directory, name: "serve")
        defer { server.stop() }
        let patPort = try server.waitForPort(marker: "listening on http://127.0.0.1:")
        let nginxPort = try freePort()
        try """
            worker_processes \(config.httpServerThreads);
            pid \(directory)/nginx.pid;
            error_log \(directory)/nginx-error.log warn;
            \(getuid() == 0 ? "user root;" : "")
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server {
                    listen 127.0.0.1:\(nginxPort);
                    location / { default_type application/json; return 200 '{"result":0}'; }
                }
            }
            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = try Background("nginx", ["-p", directory, "-c", directory + "/nginx.conf", "-g", "daemon off;"],
                                   directory: directory, name: "nginx")
        defer { nginx.stop() }
        try waitForHTTP(port: nginxPort)

        let seconds = max(config.httpSeconds, 1)
        func wrk(_ port: Int) throws -> WrkResult {
            let output = try runCapturing("wrk", ["-t2", "-c\(config.httpConnections)", "-d\(seconds)s", "--latency", "-s", script,
                                                  "http://127.0.0.1:\(port)"])
            return try parse(output)
        }
        var patRuns: [WrkResult] = []
        var nginxRuns: [WrkResult] = []
        _ = try wrk(nginxPort)  // warm-up runs
        _ = try wrk(patPort)
        for _ in 0..<max(config.runs / 2, 1) {
            nginxRuns.append(try wrk(nginxPort))
            patRuns.append(try wrk(patPort))
        }
        let patRate = Measure.median(patRuns.map(\.requestsPerSecond))
        let nginxRate = Measure.median(nginxRuns.map(\.requestsPerSecond))
        let patP99 = Measure.median(patRuns.map(\.p99Milliseconds))
        let nginxP99 = Measure.median(nginxRuns.map(\.p99Milliseconds))
        let errors = patRuns.map(\.errors).reduce(0, +)
        config.log(String(format: "http: pat %.0f req/s p99 %.2f ms errors %d; nginx %.0f req/s p99 %.2f ms",
                          patRate, patP99, errors, nginxRate, nginxP99))
        let settings = "wrk -t2 -c\(config.httpConnections) -d\(seconds)s, \(config.httpServerThreads) worker(s) per server"
        return [
            BenchmarkRow(name: "HTTP: pat serve /1.0/... requests/s", measured: String(format: "%.0f req/s", patRate),
                         baseline: String(format: "nginx return 200: %.0f req/s", nginxRate), ratio: patRate / nginxRate,
                         target: ">= 0.5x nginx", met: patRate / nginxRate >= 0.5,
                         note: "\(settings), loopback, \(bench.values.count)-token store, mixed allowed/denied/unknown"),
            BenchmarkRow(name: "HTTP: pat serve p99 latency", measured: String(format: "%.2f ms", patP99),
                         baseline: String(format: "nginx: %.2f ms", nginxP99), ratio: patP99 / max(nginxP99, 0.001),
                         target: "p99 <= 5 ms", met: patP99 <= 5),
            BenchmarkRow(name: "HTTP: pat serve errors", measured: "\(errors)", baseline: "\(nginxRuns.map(\.errors).reduce(0, +)) (nginx)",
                         ratio: Double(errors), target: "zero errors", met: errors == 0),
        ]
    }

    /// Reads wrk's summary: Requests/sec, the 99% latency line, socket errors and non-2xx responses.
    static func parse(_ output: String) throws -> WrkResult {
        var rate: Double?
        var p99: Double?
        var errors = 0
        for line in output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("Requests/sec:") { rate = Double(line.dropFirst(13).trimmingCharacters(in: .whitespaces)) }
            if line.hasPrefix("99%") { p99 = milliseconds(String(line.dropFirst(3).trimmingCharacters(in: .whitespaces))) }
            if line.hasPrefix("Socket errors:") {
                errors += line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +)
            }
            if line.hasPrefix("Non-2xx or 3xx responses:") { errors += Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0 }
        }
        guard let rate, let p99 else { throw BenchmarkFailure(description: "cannot read wrk's output: \(output.prefix(400))") }
        return WrkResult(requestsPerSecond: rate, p99Milliseconds: p99, errors: errors)
    }

    static func milliseconds(_ text: String) -> Double? {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * factor }
        }
        return nil
    }

    static func waitForHTTP(port: Int) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? runQuietly("curl", ["-s", "-o", "/dev/null", "--max-time", "1", "http://127.0.0.1:\(port)/"])) != nil { return }
            usleep(50_000)
        }
        throw BenchmarkFailure(description: "nothing answered on port \(port)")
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        guard bound == 0, named == 0 else { throw BenchmarkFailure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A server process for the duration of the measurement; its stderr goes to a file we can read.
    final class Background {
        let process = Process()
        let logPath: String

        init(_ executable: String, _ arguments: [String], directory: String, name: String) throws {
            logPath = directory + "/\(name).log"
            FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
            process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func waitForPort(marker: String) throws -> Int {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let text = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
                if let rest = text.components(separatedBy: marker).dropFirst().first, let port = Int(rest.prefix { $0.isNumber }) {
                    return port
                }
                guard process.isRunning else { throw BenchmarkFailure(description: "server exited: \(text.suffix(400))") }
                usleep(50_000)
            }
            throw BenchmarkFailure(description: "server did not start")
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}
