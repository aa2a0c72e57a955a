import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PatCore
import PatGit
import PatSSH
import PatStore
import PatVerifier

public struct BenchmarkConfig: Sendable {
    public var tokens: Int
    public var runs: Int
    public var decisions: Int
    public var httpSeconds: Int
    public var httpConnections: Int
    /// Workers of each HTTP server: nginx's worker processes, `pat serve --threads`.
    public var httpServerThreads: Int
    /// Signed commits on the branch `pat check` judges.
    public var checkCommits: Int
    public var patExecutable: String?
    public var workDirectory: String
    /// The parts to measure; all of them unless narrowed (for profiling one part).
    public var sections: Set<BenchmarkSection> = Set(BenchmarkSection.allCases)
    public var log: @Sendable (String) -> Void

    public init(tokens: Int = 100_000, runs: Int = 5, decisions: Int = 300_000, httpSeconds: Int = 10,
                httpConnections: Int = 32, httpServerThreads: Int = 1, checkCommits: Int = 1000, patExecutable: String?, workDirectory: String,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.tokens = tokens
        self.runs = runs
        self.decisions = decisions
        self.httpSeconds = httpSeconds
        self.httpConnections = httpConnections
        self.httpServerThreads = httpServerThreads
        self.checkCommits = checkCommits
        self.patExecutable = patExecutable
        self.workDirectory = workDirectory
        self.log = log
    }
}

public enum BenchmarkSection: String, CaseIterable, Sendable {
    case cold, authorise, reload, write, check, http
}

public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Every figure is a ratio against a baseline measured in the same run, interleaved with pat's own runs.
public enum Benchmarks {
    public static func run(_ config: BenchmarkConfig) throws -> BenchmarkReport {
        var report = BenchmarkReport(machine: BenchmarkReport.machineDescription(), tokens: config.tokens)
        try FileManager.default.createDirectory(atPath: config.workDirectory, withIntermediateDirectories: true)
        let wants = config.sections
        // Only the stores the chosen parts use (`--only check` builds no large store).
        let big = wants.isDisjoint(with: [.cold, .authorise, .reload, .write, .http]) ? nil
            : try BenchStore.build(at: config.workDirectory + "/store-big", count: config.tokens, log: config.log)
        let small = wants.isDisjoint(with: [.cold, .write]) ? nil
            : try BenchStore.build(at: config.workDirectory + "/store-small", count: min(100, config.tokens), log: config.log)

        if let big, !wants.isDisjoint(with: [.cold, .authorise, .reload]) {
            let (coldRow, coldSeconds, verifier) = try coldLoad(big, config, measured: wants.contains(.cold))
            if wants.contains(.cold) { report.rows.append(coldRow) }
            if wants.contains(.authorise) { report.rows.append(try authorise(big, verifier: verifier, config)) }
            if wants.contains(.reload) { report.rows.append(try reload(big, verifier: verifier, coldSeconds: coldSeconds, config)) }
        }
        if let big, let small, wants.contains(.write) { report.rows += try writes(small: small, big: big, config) }
        if wants.contains(.check) {
            // A store of its own, so the row is the same whether or not the writes ran before it.
            let store = try BenchStore.build(at: config.workDirectory + "/store-check", count: min(100, config.tokens), log: config.log)
            report.rows.append(try CheckBenchmark.run(store, config))
        }
        if let big, wants.contains(.http) { report.rows += try HTTPBenchmark.run(big, config) }
        return report
    }

    // MARK: Cold load

    /// Unmeasured (`measured: false`), it only loads the snapshot the other parts need, once.
    static func coldLoad(_ bench: BenchStore, _ config: BenchmarkConfig, measured: Bool = true) throws -> (BenchmarkRow, Double, StoreVerifier) {
        let root = try TrustRoot.load(allowedSignersFile: bench.signersFile)
        var kept: StoreVerifier?
        func patLoad() throws -> Double {
            var verifier: StoreVerifier?
            let seconds = try Measure.seconds {
                verifier = try StoreVerifier(path: bench.path, trustRoot: root)
                guard case .loaded = verifier!.refresh() else { throw BenchmarkFailure(description: "the benchmark store did not verify") }
            }
            kept = kept ?? verifier
            return seconds
        }
        func gitRead() throws -> Double {
            try Measure.seconds { try runQuietly("git", ["-C", bench.path, "cat-file", "--batch-all-objects", "--batch"]) }
        }
        let (pat, git) = measured ? try Measure.interleaved(runs: config.runs, patLoad, gitRead) : (try patLoad(), .nan)
        let memory = !measured ? "not measured" : (try? residentPerToken(bench, config)).flatMap { $0 }.map { "\(Int($0)) B/token resident" }
            ?? "memory not measured (needs more than 1000 tokens)"
        config.log("cold load: pat \(Measure.format(seconds: pat)), git cat-file \(Measure.format(seconds: git))")
        let ratio = pat / git
        let row = BenchmarkRow(name: "cold load, \(bench.values.count) tokens", measured: "\(Measure.format(seconds: pat)), \(memory)",
                               baseline: "git cat-file --batch-all-objects --batch: \(Measure.format(seconds: git))",
                               ratio: ratio, target: "<= 1.5x baseline", met: ratio <= 1.5,
                               note: "time from opening the store to a verified, ready snapshot")
        return (row, pat, kept!)
    }

    /// Resident memory per token: the peak RSS (VmHWM) of `pat verify` loading this store, minus that of loading the
    /// 100-token store, per extra token. Read from /proc while the child runs, so nothing of the benchmark's own
    /// allocations (or git's) is counted.
    static func residentPerToken(_ bench: BenchStore, _ config: BenchmarkConfig) throws -> Double? {
        guard let pat = config.patExecutable, FileManager.default.isExecutableFile(atPath: pat), bench.values.count > 1000 else { return nil }
        let tokenFile = config.workDirectory + "/rss-token"
        try bench.values[0].write(toFile: tokenFile, atomically: true, encoding: .utf8)
        func peak(_ store: String, _ signers: String) throws -> Int {
            let script = """
                "$PAT" verify --store "$STORE" --allowed-signers "$SIGNERS" --token-file "$TOKEN" --method environment.Control.StopEnv >/dev/null 2>&1 &
                pid=$!; peak=0
                while kill -0 $pid 2>/dev/null; do
                  now=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || true)
                  [ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
                  sleep 0.01
                done
                echo $peak
                """
            let output = try runCapturing("bash", ["-c", script], environment: ["PAT": pat, "STORE": store, "SIGNERS": signers, "TOKEN": tokenFile])
            return (Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) * 1024
        }
        let small = config.workDirectory + "/store-small"
        let smallPeak = try peak(small, small + ".allowed_signers")
        let bigPeak = try peak(bench.path, bench.signersFile)
        guard bigPeak > smallPeak else { return nil }
        return Double(bigPeak - smallPeak) / Double(bench.values.count - 100)
    }

    // MARK: Authorise

    static func authorise(_ bench: BenchStore, verifier: StoreVerifier, _ config: BenchmarkConfig) throws -> BenchmarkRow {
        guard let snapshot = verifier.current?.authorization else { throw BenchmarkFailure(description: "no snapshot") }
        let catalog = try BuiltInTemplates.catalog()
        let requests = bench.requests(config.decisions)
        let now = Date()
        var sink = 0
        func patDecide() -> Double {
            Measure.seconds {
                for request in requests {
                    sink &+= Authorizer.decide(snapshot, token: request.token, method: request.method, at: now, catalog: catalog).result.rawValue
                }
            }
        }
        func baselineLookup() -> Double {
            Measure.seconds {
                for request in requests {
                    // The same fast hashing of the UTF-8 bytes that pat uses: the baseline is not handicapped.
                    var token = request.token
                    let digest = token.withUTF8 { SHA256.hash(data: $0) }
                    if snapshot.tokens[digest] != nil { sink &+= 1 }
                }
            }
        }
        let (pat, baseline) = Measure.interleaved(runs: config.runs, patDecide, baselineLookup)
        let patRate = Double(requests.count) / pat
        let baselineRate = Double(requests.count) / baseline
        config.log("authorise: pat \(Measure.format(rate: patRate)), baseline \(Measure.format(rate: baselineRate)) (\(sink % 2))")
        let ratio = patRate / baselineRate
        return BenchmarkRow(name: "authorise, in process, one core", measured: "\(Measure.format(rate: patRate)) decisions",
                            baseline: "SHA-256 + Dictionary lookup: \(Measure.format(rate: baselineRate))",
                            ratio: ratio, target: ">= 0.5 of baseline", met: ratio >= 0.5,
                            note: "\(requests.count) requests: 1/3 allowed, 1/3 denied, 1/3 unknown, over \(snapshot.tokens.count) tokens")
    }

    // MARK: Reload

    static func reload(_ bench: BenchStore, verifier: StoreVerifier, coldSeconds: Double, _ config: BenchmarkConfig) throws -> BenchmarkRow {
        var times: [Double] = []
        for index in 0..<max(config.runs, 3) {
            _ = try bench.store.generate(TokenSettingsRequest(description: "reload \(index)", expires: "+30d", preset: "Marketplace"),
                                         bench.writeOptions)
            times.append(try Measure.seconds {
                guard case .loaded = verifier.refresh() else { throw BenchmarkFailure(description: "reload was refused") }
            })
        }
        let reload = Measure.median(Array(times.dropFirst()))
        config.log("reload: \(Measure.format(seconds: reload))")
        let ratio = reload / coldSeconds
        return BenchmarkRow(name: "reload after one change", measured: Measure.format(seconds: reload),
                            baseline: "cold load: \(Measure.format(seconds: coldSeconds))", ratio: ratio,
                            target: "<= 1% of cold load", met: ratio <= 0.01,
                            note: "new head verified (signature, parent's signers) and swapped in; only the changed shard is read")
    }

    // MARK: Writes

    /// Rounds of four generates on each store and four commits of the git loop, interleaved so that the disk's
    /// moods hit pat and git alike; the first round warms up and is dropped.
    static func writes(small: BenchStore, big: BenchStore, _ config: BenchmarkConfig) throws -> [BenchmarkRow] {
        let rounds = max(config.runs, 3)
        let perRound = 4
        func generateOnce(_ bench: BenchStore, _ index: Int) throws -> Double {
            try Measure.seconds {
                _ = try bench.store.generate(TokenSettingsRequest(description: "write \(index)", expires: "+30d", preset: "Maven Plugin"),
                                             bench.writeOptions)
            }
        }
        let git = try GitCommitLoop(small, config)
        var smallTimes: [Double] = []
        var bigTimes: [Double] = []
        var gitTimes: [Double] = []
        for round in 0...rounds {
            var roundSmall: [Double] = []
            var roundBig: [Double] = []
            for index in round * perRound..<(round + 1) * perRound {
                roundSmall.append(try generateOnce(small, index))
                roundBig.append(try generateOnce(big, index))
            }
            let roundGit = try git.commit(from: round * perRound, count: perRound)
            guard round > 0 else { continue }
            smallTimes += roundSmall
            bigTimes += roundBig
            gitTimes.append(roundGit)
        }
        let pat100 = Measure.median(smallTimes)
        let patBig = Measure.median(bigTimes)
        let gitTime = Measure.median(gitTimes)
        config.log("write: pat \(Measure.format(seconds: pat100)) at 100, \(Measure.format(seconds: patBig)) at \(big.values.count); git \(Measure.format(seconds: gitTime))")
        return [
            BenchmarkRow(name: "write: one generate, 100 tokens", measured: Measure.format(seconds: pat100),
                         baseline: "git: write file, add, commit -S (ssh): \(Measure.format(seconds: gitTime))",
                         ratio: gitTime / pat100, target: "pat >= 10x faster", met: gitTime / pat100 >= 10,
                         note: "signed commit and compare-and-swap of the branch, in process; \(rounds) interleaved rounds of \(perRound)"),
            BenchmarkRow(name: "write: one generate, \(big.values.count) tokens", measured: Measure.format(seconds: patBig),
                         baseline: "pat at 100 tokens: \(Measure.format(seconds: pat100))",
                         ratio: patBig / pat100, target: "<= 1.5x of 100", met: patBig / pat100 <= 1.5),
        ]
    }

    /// The same change made the ordinary way: a shell loop over git with an SSH signing key, in a clone of the
    /// 100-token store.
    struct GitCommitLoop {
        let work: String
        let keyPath: String

        init(_ bench: BenchStore, _ config: BenchmarkConfig) throws {
            work = config.workDirectory + "/git-baseline"
            try? FileManager.default.removeItem(atPath: work)
            try runQuietly("git", ["clone", "-q", bench.path, work])
            keyPath = config.workDirectory + "/git-baseline.key"
            try bench.key.serialized().write(toFile: keyPath, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
            _ = try shell("""
                git config user.name bench; git config user.email bench@pat.local
                git config gpg.format ssh; git config user.signingkey "$KEY"; git config commit.gpgsign true
                mkdir -p tokens/zz
                """, [:])
        }

        /// Commits `count` new files; the mean seconds per commit, timed inside the shell.
        func commit(from first: Int, count: Int) throws -> Double {
            let output = try shell("""
                start=$(date +%s%N)
                for i in $(seq $FIRST $((FIRST + N - 1))); do
                  printf '{"format": 1, "id": "zz%014d", "description": "git %d"}\\n' "$i" "$i" > "tokens/zz/zz$(printf %014d "$i").json"
                  git add "tokens/zz/zz$(printf %014d "$i").json"
                  git commit -q -m "Generate token zz$(printf %014d "$i")"
                done
                end=$(date +%s%N)
                echo $(( (end - start) / N ))
                """, ["FIRST": String(first), "N": String(count)])
            guard let nanoseconds = Double(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw BenchmarkFailure(description: "the git baseline printed no time: \(output)")
            }
            return nanoseconds / 1e9
        }

        private func shell(_ script: String, _ variables: [String: String]) throws -> String {
            try runCapturing("bash", ["-c", "set -e\ncd \"$WORK\"\n" + script],
                             environment: variables.merging(["WORK": work, "KEY": keyPath, "GIT_CONFIG_GLOBAL": "/dev/null",
                                                             "GIT_CONFIG_NOSYSTEM": "1"]) { $1 })
        }
    }
}

/// Runs a program for its effect; its output is dropped.
func runQuietly(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
    _ = try runCapturing(executable, arguments, environment: environment, keepOutput: false)
}

/// Runs a program and returns what it printed (stdout and stderr); a non-zero exit is an error.
func runCapturing(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                  keepOutput: Bool = true) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let outFile = keepOutput ? FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        : URL(fileURLWithPath: "/dev/null")
    if keepOutput { FileManager.default.createFile(atPath: outFile.path, contents: nil) }
    defer { if keepOutput { try? FileManager.default.removeItem(at: outFile) } }
    let handle = try FileHandle(forWritingTo: outFile)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let output = String(decoding: (try? Data(contentsOf: outFile)) ?? Data(), as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw BenchmarkFailure(description: "\(executable) failed with status \(process.terminationStatus): \(output.suffix(500))")
    }
    return output
}
