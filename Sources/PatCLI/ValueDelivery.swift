import Foundation
import PatCore
import PatStore

#if canImport(Glibc)
import Glibc
#endif

/// How generate, regenerate and copy hand out new values: the destination is opened before anything is committed
/// (a bad --output path or a closed stdout refuses the change), then the commit, then the values in one write, or,
/// when that write fails, a second commit that removes the tokens again (`Store.deliver`).
enum ValueDelivery {
    static func commitAndDeliver(store storeOptions: StoreOptions, output: SecretOutputOptions, signing: SigningOptions, branch: BranchOptions,
                                 json: Bool, change: (Store, WriteOptions) throws -> CommittedChange) throws {
        let destination = try output.open()
        let store: Store
        let options: WriteOptions
        let committed: CommittedChange
        do {
            store = try storeOptions.open()
            options = try signing.writeOptions(for: store, branch: branch)
            committed = try change(store, options)
        } catch {
            destination.discard()
            throw error
        }
        let now = Date()
        try store.deliver(committed, Render.secrets(committed, to: destination.destination, json: json, now: now),
                          to: destination, options)
        let tokens = committed.change.tokens
        switch destination.destination {
        case .file(let path):
            if json {
                try printSummary(Render.committedJSON(committed, now: now, withValues: false) + "\n", after: committed,
                                 valuesIn: path)
                return
            }
            Render.notes(committed)
            Console.note("The value\(tokens.count == 1 ? " is" : "s are") in \(path) (mode 0600). pat keeps only the hash.")
        case .standardOutput:
            guard !json else { return }
            Render.notes(committed)
            Console.note("Copy the value\(tokens.count == 1 ? "" : "s") now: pat keeps only the hash and cannot show \(tokens.count == 1 ? "it" : "them") again.")
        }
    }

    /// What a command prints about a change whose values are already delivered (to a file): a failure here loses
    /// no value, so the change stays; the error says so.
    static func printSummary(_ text: String, after committed: CommittedChange, valuesIn path: String?) throws {
        do {
            try StandardStreams.writeToStandardOutput(Array(text.utf8))
        } catch {
            let count = committed.change.secrets.count
            let values = path.map { " and the value\(count == 1 ? " is" : "s are") in \($0)" } ?? ""
            Console.error("the change is committed in \(committed.commit.short)\(values), but the summary could not be written to standard output: \(error)")
            throw CommandFailure(code: 1)
        }
    }
}
