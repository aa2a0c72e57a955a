import Foundation
import PatCore
import PatGit
import PatSSH

/// Changes to who may sign, each one signed commit judged like any other: by the signers of its parent.
public enum SignerOperations {
    public static func add(principal: String, key: SSHPublicKey, in view: StoreView) throws -> PlannedChange {
        guard AllowedSigners.isValidPrincipal(principal) else { throw StoreError.invalidPrincipal(principal) }
        var signers = view.signers
        // Principals are e-mail-like: one person whatever the case, as approvals count them.
        if let same = signers.entries.first(where: { $0.principal.lowercased() == principal.lowercased() }) {
            throw StoreError.signerExists("a signer named '\(same.principal)'")
        }
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
        let people = Set(signers.entries.map { $0.principal.lowercased() }).count
        if view.settings.requiredApprovals > people {
            throw StoreError.invalidSettings(["removing \(principal) would leave \(people) signer\(people == 1 ? "" : "s") for a store that requires \(view.settings.requiredApprovals) signatures per change; lower requiredApprovals first"])
        }
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
