import Foundation

/// What a finished process printed and how it ended.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// The status `run` reports for a program it killed at its timeout.
    public static let timedOut: Int32 = -999
}

/// Runs a real program (git, ssh-keygen, pat) and waits for it. Output goes through files, so a chatty
/// program can never block on a full pipe. `stdout`, when given, replaces the output file (a test that wants
/// the program to write into /dev/full or a pipe nobody reads); `ProcessResult.stdout` is then empty. With `timeout`,
/// a program still running then is killed and its status is `ProcessResult.timedOut`: a test of something that used
/// to hang fails instead of hanging the suite.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                stdin: String? = nil, directory: String? = nil, stdout: FileHandle? = nil,
                timeout: TimeInterval? = nil) throws -> ProcessResult {
    let scratch = TemporaryDirectory("proc")
    let outPath = scratch.file("out"), errPath = scratch.file("err"), inPath = scratch.file("in")
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
    process.standardOutput = stdout ?? out
    process.standardError = err
    process.standardInput = input
    try process.run()
    var timedOut = false
    if let timeout {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
        }
    }
    process.waitUntilExit()
    try out.close(); try err.close(); try input.close()
    return ProcessResult(status: timedOut ? ProcessResult.timedOut : process.terminationStatus,
                         stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self))
}

public struct MissingTool: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\(name) is not on PATH" }
}

public func which(_ name: String) throws -> String {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw MissingTool(name: name)
}

/// The `pat` executable next to the test bundle (`swift build` puts both in the same folder).
public var patExecutable: String {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [folder.appendingPathComponent("pat").path]
    // Swift Testing may run from inside the .xctest bundle.
    candidates.append(folder.deletingLastPathComponent().appendingPathComponent("pat").path)
    candidates.append(folder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pat").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}

/// Runs `git` with a clean, predictable configuration (no user config can change the outcome).
@discardableResult
public func git(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
    var env = ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "Test",
               "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"]
    for (key, value) in environment { env[key] = value }
    return try run("git", arguments, environment: env, directory: directory)
}
