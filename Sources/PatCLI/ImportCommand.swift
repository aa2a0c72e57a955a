import ArgumentParser
import Foundation
import PatCore
import PatStore

#if canImport(Glibc)
import Glibc
#endif

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add many tokens in one signed commit, from a JSON Lines file.",
        discussion: """
            Each line: {"description": "...", "expires": "31-12-2026", "api": "Maven Plugin"} or "methods": [...] \
            instead of "api"; optionally "token": an existing pat-format value to keep, or "hash": its sha256:... \
            Lines without either get new values, written to --output FILE (mode 0600) as "<id> <value>" lines. \
            Every line is checked first and every problem reported; nothing is written unless all are good.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The JSON Lines file, or - for standard input.", valueName: "file"))
    var file: String
    @OptionGroup var secretOutput: SecretOutputOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var branch: BranchOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        StandardStreams.prepare()
        let file = ImportEntry.parse(try readInput())
        if !file.problems.isEmpty {
            // Nothing will be committed: every line's problems, the store's included, without asking for a password.
            try store.open().checkImport(file)
        }
        let entries = file.entries
        let newValues = entries.filter { $0.token == nil && $0.hash == nil }.count
        if newValues > 0 && secretOutput.output == nil {
            throw StoreError.tokenInput("\(newValues) token\(newValues == 1 ? " gets a new value" : "s get new values"): give --output FILE to receive \(newValues == 1 ? "it" : "them")")
        }
        // The file for the new values is made before anything is committed; written once the commit is on the branch,
        // or the import is undone by a second commit (`Store.deliver`).
        let destination = newValues > 0 ? try secretOutput.open() : nil
        let store: Store
        let options: WriteOptions
        let committed: CommittedChange
        do {
            store = try self.store.open()
            options = try signing.writeOptions(for: store, branch: branch)
            let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
            committed = try store.importTokens(file, options) { done, total in bar.show(done, total) }
            bar.finish()
        } catch {
            destination?.discard()
            throw error
        }
        let secrets = committed.change.secrets
        if let destination {
            try store.deliver(committed, committed.change.tokens.compactMap { token in secrets[token.id].map { "\(token.id) \($0.value)\n" } }.joined(),
                              to: destination, options)
        }
        let count = committed.change.tokens.count
        let summary = output.json
            ? JSONText.object([("commit", .string(committed.commit.hex)), ("imported", .int(count)),
                               ("new_values", .int(secrets.count))]).rendered()
            : "import: \(count) tokens in commit \(committed.commit.short)\(Render.onBranch(committed.branch))\(secrets.isEmpty ? "" : "; \(secrets.count) new values in \(secretOutput.output!)")"
        try ValueDelivery.printSummary(summary + "\n", after: committed, valuesIn: destination == nil ? nil : secretOutput.output)
    }

    /// The file's bytes, or why there are none to import.
    private func readInput() throws -> Data {
        if file == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard !data.isEmpty else { throw StoreError.tokenInput("standard input is empty: the import reads one JSON object per line") }
            return data
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw StoreError.tokenInput("cannot read import file \(file): no such file")
        }
        if isDirectory.boolValue { throw StoreError.tokenInput("import file \(file) is a folder, not a file") }
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError.tokenInput("cannot read import file \(file): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw StoreError.tokenInput("cannot read import file \(file): \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw StoreError.tokenInput("import file \(file) is empty: it should hold one JSON object per line") }
        return data
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    private var last = -1

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != last else { return }
        last = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        FileHandle.standardError.write(Data("\rpreparing [\(bar)] \(done)/\(total)".utf8))
    }

    func finish() {
        guard enabled, last >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
