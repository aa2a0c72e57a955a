import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore

/// A new store in its own temporary directory, signed by a fresh key.
public final class StoreFixture {
    public let directory = TemporaryDirectory("store")
    public let keyPath: String
    public let key: OpenSSHPrivateKey
    public let store: Store
    public var clock: Date

    public static let identity = Identity(name: "Alice", email: "alice@example.com")

    public init(now: Date = Date()) throws {
        (keyPath, key) = try writeKey(in: directory)
        clock = now
        store = try Store.create(StoreCreation(path: directory.file("store"), signer: key, principal: "alice@example.com",
                                               identity: Self.identity, signingKeyPath: keyPath, now: now)).store
    }

    public var options: WriteOptions {
        let now = clock
        return WriteOptions(signer: key, identity: Self.identity, now: { now })
    }

    @discardableResult
    public func generate(_ description: String = "CI deploy", expires: String = "+30d", preset: String? = "Maven Plugin",
                  methods: [String] = []) throws -> (token: Token, secret: TokenSecret) {
        let committed = try store.generate(TokenSettingsRequest(description: description, expires: expires, preset: preset,
                                                                methods: methods), options)
        let token = committed.change.tokens[0]
        return (token, committed.change.secrets[token.id]!)
    }

    /// The branch and every object reachable from any ref: equal snapshots mean nothing observable changed.
    public func snapshot() throws -> String {
        let refs = try git(["for-each-ref"], in: store.path).stdout
        let objects = try git(["rev-list", "--objects", "--all"], in: store.path).stdout
        return refs + "\n" + objects.split(separator: "\n").sorted().joined(separator: "\n")
    }

    /// The store's signers file, as a file git and ssh-keygen can read.
    public func allowedSignersFile() throws -> String {
        let path = directory.file("allowed_signers")
        try git(["show", "main:allowed_signers"], in: store.path).stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
