import Foundation
import PatCore
import PatGit

/// New values that could not be handed over after their commit, and what pat did about it: a value nobody
/// received must not leave a live token behind.
public struct UndeliveredValues: Sendable, CustomStringConvertible {
    public enum Undo: Sendable {
        /// A second commit removed the change's tokens; `kept` are tokens other commits had changed since (their
        /// values are someone else's now), left as they are.
        case removed(ObjectID, removed: [TokenID], kept: [TokenID])
        /// Other commits had changed or removed every token since: nothing was left to remove.
        case nothingLeft
        /// The second commit failed too: these tokens are live and nobody holds their values.
        case failed(String, live: [TokenID], store: String)
    }

    public let operation: CommitMessage.Operation
    public let commit: ObjectID
    public let tokens: [TokenID]
    public let newValues: Int
    public let destination: String
    public let reason: String
    public let undo: Undo

    public var description: String {
        let one = tokens.count == 1
        var text: String
        switch operation {
        case .regenerate:
            text = one
                ? "token \(tokens[0]) got a new value in \(commit.short), but it could not be written to \(destination): \(reason)"
                : "\(tokens.count) tokens got new values in \(commit.short), but they could not be written to \(destination): \(reason)"
        case .import:
            text = "\(tokens.count) imported token\(one ? " was" : "s were") committed in \(commit.short), but "
                + (one && newValues == 1 ? "its new value" : "their \(newValues) new value\(newValues == 1 ? "" : "s")")
                + " could not be written to \(destination): \(reason)"
        default:
            text = one
                ? "token \(tokens[0]) was committed in \(commit.short), but its value could not be written to \(destination): \(reason)"
                : "\(tokens.count) tokens were committed in \(commit.short), but their values could not be written to \(destination): \(reason)"
        }
        switch undo {
        case .removed(let undo, let removed, let kept):
            let all = kept.isEmpty
            switch operation {
            case .regenerate:
                text += one
                    ? "; as its old value stopped working with that commit, a second commit \(undo.short) removed the token"
                    : "; as their old values stopped working with that commit, a second commit \(undo.short) removed the tokens \(list(removed))"
            case .import:
                text += all
                    ? "; a second commit \(undo.short) removed all \(tokens.count) again, so the import can be run again as it is"
                    : "; a second commit \(undo.short) removed \(removed.count) of them again"
            default:
                text += "; a second commit \(undo.short) removed \(one ? "it" : all ? "them" : list(removed)) again"
            }
            if !all {
                text += " (other commits had changed \(list(kept)) since, which \(kept.count == 1 ? "was" : "were") left as \(kept.count == 1 ? "it is" : "they are"))"
            }
        case .nothingLeft:
            text += "; other commits had changed or removed \(one ? "it" : "them") since, so there was nothing left to remove"
        case .failed(let why, let live, let store):
            let single = live.count == 1
            text += "; removing \(one ? "it" : "them") again failed too: \(why)\n"
                + "token\(single ? "" : "s") \(list(live)) \(single ? "is" : "are") live and nobody holds \(single ? "its value" : "their values"): "
                + "remove \(single ? "it" : "them") with 'pat remove \(live.map(\.rawValue).joined(separator: " ")) --store \(store)'"
        }
        return text
    }

    private func list(_ ids: [TokenID]) -> String { ids.map(\.rawValue).joined(separator: ", ") }
}

extension TokenOperations {
    /// Removes the tokens of `committed` whose value could not be delivered, as far as they are still as that commit
    /// left them (a token another writer has regenerated since holds a value someone received). The remove
    /// operation's commit, marked as the undo of `committed`.
    public static func removeUndelivered(_ committed: CommittedChange, destination: SecretOutput.Destination, reason: String,
                                         in view: StoreView) throws -> PlannedChange {
        var unchanged: [TokenID] = []
        for token in committed.change.tokens where try view.token(token.id)?.hash == token.hash { unchanged.append(token.id) }
        guard !unchanged.isEmpty else { throw NothingLeftToUndo() }
        var change = try remove(.tokens(unchanged), in: view)
        let operation = committed.change.message.operation.rawValue
        let place = destination == .standardOutput ? "standard output" : "the --output file"
        let values = committed.change.secrets.count == 1 ? "The new value" : "The new values"
        change.message.subject += " (value not delivered)"
        change.message.body = [
            "\(values) made by \(committed.commit.hex) (\(operation))",
            "could not be written to \(place): \(reason); nobody holds \(committed.change.secrets.count == 1 ? "it" : "them")."
                + (committed.change.message.operation == .import ? " The import is undone as a whole." : ""),
            "",
        ] + change.message.body
        change.message.extraTrailers = [("Pat-Undoes", committed.commit.hex)]
        return change
    }

    struct NothingLeftToUndo: Error {}
}

extension Store {
    /// Hands the new values of `committed` to `output` in one write. When that fails the values are lost, so a
    /// second commit, signed with the same `options` (the key is already unlocked: no second password), removes the
    /// change's tokens again; the partial file is removed. Either way the error says exactly what happened.
    public func deliver(_ committed: CommittedChange, _ text: String, to output: SecretOutput, _ options: WriteOptions) throws {
        try deliver(committed, to: output.destination, options) {
            do { try output.write(text) } catch {
                output.discard()
                throw error
            }
        }
    }

    /// `deliver` with the writing given: the part that is the same for every destination.
    public func deliver(_ committed: CommittedChange, to destination: SecretOutput.Destination, _ options: WriteOptions,
                        write: () throws -> Void) throws {
        do {
            try write()
            return
        } catch {
            let reason = (error as? SecretOutput.WriteFailure)?.reason ?? String(describing: error)
            let name = switch destination {
            case .standardOutput: "standard output"
            case .file(let path): path
            }
            let undo: UndeliveredValues.Undo
            do {
                let removed = try self.write(options) { view, _ in
                    try TokenOperations.removeUndelivered(committed, destination: destination, reason: reason, in: view)
                }
                let ids = removed.change.tokens.map(\.id)
                undo = .removed(removed.commit, removed: ids, kept: committed.change.tokens.map(\.id).filter { !ids.contains($0) })
            } catch is TokenOperations.NothingLeftToUndo {
                undo = .nothingLeft
            } catch {
                let live = committed.change.tokens.map(\.id).filter { committed.change.secrets[$0] != nil }
                undo = .failed(String(describing: error), live: live, store: path)
            }
            throw StoreError.valueNotDelivered(UndeliveredValues(
                operation: committed.change.message.operation, commit: committed.commit,
                tokens: committed.change.tokens.map(\.id), newValues: committed.change.secrets.count,
                destination: name, reason: reason, undo: undo))
        }
    }
}
