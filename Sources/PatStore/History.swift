import Foundation
import PatCore
import PatGit
import PatSSH

/// Whether a commit's signature holds, judged by pat's strict parser against the signers its parent trusts.
public enum SignatureStatus: Equatable, Sendable {
    case good(principal: String, fingerprint: String)
    case unsigned
    case invalid(String)
    case untrusted(fingerprint: String)

    public var isGood: Bool { if case .good = self { true } else { false } }

    public var summary: String {
        switch self {
        case .good(let principal, _): "good signature by \(principal)"
        case .unsigned: "UNSIGNED"
        case .invalid(let reason): "BAD signature: \(reason)"
        case .untrusted(let fingerprint): "signed by an untrusted key \(fingerprint)"
        }
    }
}

/// One commit of the store, as `pat log` and `pat show` report it.
public struct CommitRecord: Sendable {
    public let id: ObjectID
    public let date: Date
    public let author: Identity
    public let subject: String
    public let message: String
    public let operation: String?
    public let tokens: [String]
    public let signature: SignatureStatus
}

extension Store {
    /// The latest changes, newest first, from main's head or `start`.
    public func log(limit: Int = 20, from start: ObjectID? = nil) throws -> [CommitRecord] {
        try repository.history(from: try start ?? head(), limit: limit).map(record)
    }

    /// Every commit that changed this token's file, newest first: its whole life (up to main's head or `start`).
    public func history(of id: TokenID, from start: ObjectID? = nil) throws -> [CommitRecord] {
        var records: [CommitRecord] = []
        for commit in try repository.history(from: try start ?? head()) {
            let info = try repository.commit(commit)
            let now = try repository.entry(atPath: id.path, inTree: info.tree)?.id
            let before = try info.parents.first.flatMap { parent in
                try repository.entry(atPath: id.path, inTree: try repository.commit(parent).tree)?.id
            }
            if now != before { records.append(try record(commit)) }
        }
        return records
    }

    func record(_ id: ObjectID) throws -> CommitRecord {
        let info = try repository.commit(id)
        let trailers = CommitMessage.trailers(of: info.message)
        return CommitRecord(
            id: id, date: info.time, author: info.author,
            subject: String(info.message.prefix { $0 != "\n" }), message: info.message,
            operation: trailers.first { $0.key == "Pat-Operation" }?.value,
            tokens: trailers.filter { $0.key == "Pat-Token" }.map(\.value),
            signature: signatureStatus(of: id, parents: info.parents, tree: info.tree))
    }

    /// A commit is judged by the allowed_signers of its first parent; the first commit by its own file.
    func signatureStatus(of id: ObjectID, parents: [ObjectID], tree: ObjectID) -> SignatureStatus {
        let raw: RawCommit
        do {
            raw = try RawCommit.parse(try repository.readCommitObject(id))
        } catch {
            return .invalid("\(error)")
        }
        guard let armored = raw.signature else { return .unsigned }
        let signature: SSHSignature
        do { signature = try SSHSignature.parse(armored: armored) } catch { return .invalid(error.description) }
        guard signature.namespace == SSHSignature.gitNamespace else {
            return .invalid("namespace '\(signature.namespace)' is not 'git'")
        }
        guard signature.isValid(for: raw.payload) else { return .invalid("the signature does not match the commit") }
        let trustedTree = parents.first.flatMap { try? repository.commit($0).tree } ?? tree
        guard let bytes = try? repository.file(atPath: AllowedSigners.path, inTree: trustedTree),
              let signers = try? AllowedSigners.parse(String(decoding: bytes, as: UTF8.self)),
              let principal = signers.principal(for: signature.publicKey) else {
            return .untrusted(fingerprint: signature.publicKey.fingerprint)
        }
        return .good(principal: principal, fingerprint: signature.publicKey.fingerprint)
    }
}
