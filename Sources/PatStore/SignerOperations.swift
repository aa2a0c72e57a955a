import Foundation
import PatCore
import PatGit
import PatSSH

/// Changes to who may sign, each one signed commit judged like any other: by the signers of its parent.
public enum SignerOperations {
    public static func add(principal: String, key: SSHPublicKey, in view: StoreView) throws -> PlannedChange {
        guard AllowedSigners.isValidPrincipal(principal) else { throw StoreError.invalidPrincipal(principal) }
        var signers = view.signers
        if signers.entries.contains(where: { $0.principal == principal }) { throw StoreError.signerExists("a signer named '\(principal)'") }
        if let existing = signers.principal(for: key) { throw StoreError.signerExists("key \(key.fingerprint) (as '\(existing)')") }
        signers.entries.append(.init(principal: principal, key: key))
        return PlannedChange(
            files: [AllowedSigners.path: .write(Array(signers.text.utf8))],
            message: CommitMessage(operation: .signersAdd, subject: "Trust signer \(principal)",
                                   body: ["\(principal) (\(key.fingerprint)) may sign the commits after this one."],
                                   extraTrailers: [("Pat-Signer-Added", key.fingerprint)]))
    }

    public static func remove(principal: String, in view: StoreView) throws -> PlannedChange {
        var signers = view.signers
        let removed = signers.entries.filter { $0.principal == principal }
        guard !removed.isEmpty else { throw StoreError.unknownSigner(principal) }
        signers.entries.removeAll { $0.principal == principal }
        guard !signers.entries.isEmpty else { throw StoreError.lastSigner(principal) }
        return PlannedChange(
            files: [AllowedSigners.path: .write(Array(signers.text.utf8))],
            message: CommitMessage(operation: .signersRemove, subject: "Stop trusting signer \(principal)",
                                   body: removed.map { "\(principal) (\($0.key.fingerprint)) can no longer sign commits after this one." },
                                   extraTrailers: removed.map { ("Pat-Signer-Removed", $0.key.fingerprint) }))
    }

    /// Replaces `old` by `new` under the same principal, in one commit that `old` signs.
    public static func rotate(from old: SSHPublicKey, to new: SSHPublicKey, in view: StoreView) throws -> PlannedChange {
        var signers = view.signers
        guard let index = signers.entries.firstIndex(where: { $0.key == old }) else {
            throw StoreError.signerNotTrusted(fingerprint: old.fingerprint)
        }
        if let existing = signers.principal(for: new) { throw StoreError.signerExists("key \(new.fingerprint) (as '\(existing)')") }
        let principal = signers.entries[index].principal
        signers.entries[index].key = new
        return PlannedChange(
            files: [AllowedSigners.path: .write(Array(signers.text.utf8))],
            message: CommitMessage(operation: .keyRotate, subject: "Rotate the signing key of \(principal)",
                                   body: ["\(principal) now signs with \(new.fingerprint);",
                                          "\(old.fingerprint) can no longer sign commits after this one."],
                                   extraTrailers: [("Pat-Signer-Removed", old.fingerprint), ("Pat-Signer-Added", new.fingerprint)]))
    }
}

extension Store {
    public func addSigner(_ principal: String, key: SSHPublicKey, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, _ in try SignerOperations.add(principal: principal, key: key, in: view) }
    }

    public func removeSigner(_ principal: String, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, _ in try SignerOperations.remove(principal: principal, in: view) }
    }

    public func rotateKey(to new: SSHPublicKey, _ options: WriteOptions) throws -> CommittedChange {
        let old = options.signer.publicKey
        return try write(options) { view, _ in try SignerOperations.rotate(from: old, to: new, in: view) }
    }
}
