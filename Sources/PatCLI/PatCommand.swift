import ArgumentParser
import Foundation
import PatCore
import PatServer
import PatStore

/// The root command: it only names the subcommands; each lives in its own file.
public struct PatCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pat",
        abstract: "Personal access tokens kept in a git repository, every change a signed commit.",
        discussion: """
            A store is a bare git repository (default ./store, or $PAT_STORE). Each token is one JSON file with \
            the SHA-256 of its value, never the value itself; every generate, edit, regenerate, copy and remove \
            is one commit signed with an SSH key, which stock 'git verify-commit' checks.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, GenerateCommand.self, EditCommand.self, RegenerateCommand.self, CopyCommand.self,
            RemoveCommand.self, ImportCommand.self, ListCommand.self, ShowCommand.self, LogCommand.self, MethodsCommand.self,
            PresetsCommand.self, SignersCommand.self, KeyCommand.self, VerifyCommand.self, ServeCommand.self,
            CheckCommand.self, SettingsCommand.self, ApproveCommand.self, MergeCommand.self,
        ]
    )

    public init() {}

    /// Runs pat with `arguments` and returns the exit code. Errors of pat's own layers print as
    /// `pat: error: ...`, one line per problem; parsing errors and help come from ArgumentParser.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(joiningNegativeExpiry(arguments))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error as CommandFailure {
            return error.code
        } catch {
            if isPatError(error) {
                Console.error(String(describing: error))
                return 1
            }
            let message = fullMessage(for: error)
            // ArgumentParser echoes what it did not expect; a token value put in the wrong place is not shown.
            if !message.isEmpty {
                exitCode(for: error) == .success ? Console.out(message) : Console.errorRaw(Redaction.redactingTokens(message))
            }
            // `pat check` documents 2 for a usage error, as CI scripts tell it from 1 (findings).
            if arguments.first == "check", exitCode(for: error) != .success { return CheckCommand.usageError }
            return exitCode(for: error).rawValue
        }
    }

    /// Process-wide set-up that must happen before any task runs: `pat serve` runs its tasks on NIO's event loops,
    /// as many as its `--threads` asks for. (Arguments that do not parse are reported when the command runs.)
    public static func prepareProcess(arguments: [String]) {
        guard arguments.dropFirst().first == "serve" else { return }
        EventLoopExecutor.install(threads: (try? ServeCommand.parse(Array(arguments.dropFirst(2))))?.threads)
    }

    /// `--expires -1d` reads to ArgumentParser as an option without its value ("Missing value"); joined into
    /// `--expires=-1d` it is the value, and the expiry rules say why it cannot be (relative dates count forward).
    static func joiningNegativeExpiry(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return joined + arguments[index...] }
            if argument == "--expires", index + 1 < arguments.count, arguments[index + 1].hasPrefix("-"),
               arguments[index + 1].dropFirst().first?.isNumber == true {
                joined.append("--expires=" + arguments[index + 1])
                index += 2
                continue
            }
            joined.append(argument)
            index += 1
        }
        return joined
    }

    public static func runAndExit() async -> Never {
        if let problem = ArgumentEncoding.problem(in: ArgumentEncoding.rawArguments()) {
            Console.error(problem)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let code = await run(arguments: Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(code)
    }

    static func isPatError(_ error: Error) -> Bool {
        !(error is ValidationError) && !(error is CleanExit) && !(String(reflecting: type(of: error)).hasPrefix("ArgumentParser."))
    }
}

/// A command that already printed why it failed and wants a specific exit code.
struct CommandFailure: Error {
    let code: Int32
}

/// stdout for data, stderr for everything a person reads about what happened.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// One `pat: error:` line per line of the message. Anything token-shaped in it (a value given where a method,
    /// an id or a path was expected) is replaced: no error ever shows a token value.
    static func error(_ text: String) {
        let lines = Redaction.redactingTokens(text).split(separator: "\n", omittingEmptySubsequences: true)
        errorRaw(lines.map { "pat: error: \($0)" }.joined(separator: "\n"))
    }

    static func note(_ text: String) { errorRaw(text) }

    /// Best effort: a stderr that cannot be written has nobody to tell, and must not crash pat after a commit.
    static func errorRaw(_ text: String) {
        guard StandardStreams.standardErrorIsOpen else { return }
        try? FileHandle.standardError.write(contentsOf: Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
