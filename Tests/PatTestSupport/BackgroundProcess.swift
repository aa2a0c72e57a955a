import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A long-running program (pat serve, nginx) for interop tests: output goes to files, it is stopped when the
/// value is released, and tests wait for what it prints rather than for fixed times.
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    public let outPath: String
    public let errPath: String
    private let scratch = TemporaryDirectory("bg")

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        outPath = scratch.file("out")
        errPath = scratch.file("err")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public var stderr: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }
    public var stdout: String { String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self) }

    public struct Timeout: Error, CustomStringConvertible {
        public let description: String
    }

    /// Polls stderr until `predicate` finds what it needs, or fails after `seconds`.
    public func waitForStderr<T>(seconds: Double = 20, _ predicate: (String) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = predicate(stderr) { return value }
            if !process.isRunning { throw Timeout(description: "process exited early: \(stderr)") }
            usleep(20_000)
        }
        throw Timeout(description: "timed out waiting; stderr so far: \(stderr)")
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends `number` and waits up to `seconds` for the exit; returns the exit status, or nil if it hung.
    public func stop(with number: Int32 = SIGTERM, seconds: Double = 10) -> Int32? {
        signal(number)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// A TCP port on the loopback interface that was free a moment ago.
public func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw BackgroundProcess.Timeout(description: "socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    guard bound == 0 else { throw BackgroundProcess.Timeout(description: "bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw BackgroundProcess.Timeout(description: "getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A GET (or other method) with the real curl: (HTTP status, body).
public func curl(_ url: String, method: String = "GET", headers: [String] = [], body: String? = nil) throws -> (status: Int, body: String) {
    var arguments = ["-s", "-S", "--max-time", "10", "-X", method, "-o", "-", "-w", "\n%{http_code}", url]
    for header in headers { arguments += ["-H", header] }
    if let body { arguments += ["--data-binary", body] }
    let result = try run("curl", arguments)
    guard let newline = result.stdout.lastIndex(of: "\n") else { return (0, result.stdout) }
    return (Int(result.stdout[result.stdout.index(after: newline)...]) ?? 0, String(result.stdout[..<newline]))
}
