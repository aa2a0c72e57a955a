import Crypto
import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore
import PatTestSupport
@testable import PatVerifier

/// A store signed by Alice, a pinned allowed_signers file with Alice's key, a state file, and a clone where
/// the real git makes commits (signed with ssh keys, or crafted object by object) and pushes them back.
final class VerifierFixture {
    let base: StoreFixture
    let pinned: String
    let state: String
    let work: String
    var store: String { base.store.path }

    init() throws {
        base = try StoreFixture()
        pinned = try base.allowedSignersFile()
        state = base.directory.file("verified-head")
        work = base.directory.file("work")
        try check(git(["clone", "-q", store, work]))
        try check(gitIn(["config", "gpg.format", "ssh"]))
        try check(gitIn(["config", "user.signingkey", base.keyPath]))
    }

    func verifier(trust: TrustRoot? = nil) throws -> StoreVerifier {
        try StoreVerifier(path: store, trustRoot: trust ?? TrustRoot.load(allowedSignersFile: pinned), stateFile: state)
    }

    @discardableResult
    func gitIn(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> ProcessResult {
        var environment = ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "Alice",
                           "GIT_AUTHOR_EMAIL": "alice@example.com", "GIT_COMMITTER_NAME": "Alice",
                           "GIT_COMMITTER_EMAIL": "alice@example.com"]
        environment["GIT_DIR"] = nil
        environment.merge(extra) { _, new in new }
        return try run("git", ["-C", work] + arguments, environment: environment, stdin: stdin)
    }

    /// Brings the clone up to the store's main.
    func pull() throws {
        try check(gitIn(["fetch", "-q", "origin"]))
        try check(gitIn(["reset", "-q", "--hard", "origin/main"]))
    }

    /// Commits everything in the clone with `git commit -S` (signed by `key`, Alice's by default) and pushes.
    @discardableResult
    func commitAndPush(_ message: String, key: String? = nil, force: Bool = false, addAll: Bool = true,
                       date: String? = nil) throws -> String {
        if addAll { try check(gitIn(["add", "-A"])) }
        let dated = date.map { ["GIT_AUTHOR_DATE": $0, "GIT_COMMITTER_DATE": $0] } ?? [:]
        try check(gitIn(["-c", "user.signingkey=\(key ?? base.keyPath)", "commit", "-q", "-S", "-m", message], environment: dated))
        try check(gitIn(["push", "-q"] + (force ? ["-f"] : []) + ["origin", "HEAD:main"]))
        return try gitIn(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .newlines)
    }

    /// Writes a commit object exactly as given and points main at it, as a malicious push could.
    @discardableResult
    func forceHead(objectText: String) throws -> String {
        let written = try run("git", ["-C", store, "hash-object", "-t", "commit", "-w", "--stdin", "--literally"], stdin: objectText)
        try check(written)
        let hex = written.stdout.trimmingCharacters(in: .newlines)
        try check(git(["update-ref", "refs/heads/main", hex], in: store))
        return hex
    }

    func head() throws -> String { try git(["rev-parse", "main"], in: store).stdout.trimmingCharacters(in: .newlines) }

    func rawCommit(_ revision: String = "main") throws -> String { try git(["cat-file", "commit", revision], in: store).stdout }

    /// `git commit-tree` without a signature: the payload a crafted signature goes on.
    func unsignedCommit(tree: String, parent: String, message: String) throws -> String {
        let id = try git(["commit-tree", tree, "-p", parent, "-m", message], in: store).stdout.trimmingCharacters(in: .newlines)
        return try rawCommit(id)
    }

    /// Inserts a gpgsig header the way git writes it (continuation lines start with one space).
    static func withSignature(_ payload: String, armor: String) -> String {
        let header = "gpgsig " + armor.trimmingCharacters(in: .newlines).replacingOccurrences(of: "\n", with: "\n ") + "\n"
        let split = payload.range(of: "\n\n")!
        return String(payload[..<split.lowerBound]) + "\n" + header + String(payload[split.upperBound...]).withLeadingNewline
    }

    func decide(_ verifier: StoreVerifier, _ token: String, _ method: String = "environment.Deployment.Deploy") -> Decision {
        Authorizer.decide(verifier.current?.authorization, token: token, method: method, at: Date())
    }

    /// A token file as a trusted signer could write it by hand, and the value whose hash it holds.
    func craftedToken(_ description: String, value: String? = nil, methods: [String]? = nil,
                      created: Date = Date(), expires: Date = Date().addingTimeInterval(86_400 * 30)) throws -> (path: String, file: String, value: String) {
        let secret = value ?? TokenSecret.generate(prefix: "pat").value
        let granted = methods ?? ["environment.Deployment.Deploy"]
        let token = Token(id: TokenID.generate(), description: description,
                          hash: TokenHash(digest: SHA256.hash(data: Array(secret.utf8))),
                          created: created, expires: expires,
                          api: APIGrant(preset: APIGrant.custom, methods: granted))
        return (token.id.path, TokenFile.encode(token), secret)
    }

    /// Writes files into the work clone (after pulling) and commits them signed by Alice.
    @discardableResult
    func commitFiles(_ files: [String: String?], message: String, date: String? = nil) throws -> String {
        try pull()
        for (path, content) in files {
            let full = work + "/" + path
            if let content {
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try content.write(toFile: full, atomically: true, encoding: .utf8)
            } else {
                try FileManager.default.removeItem(atPath: full)
            }
        }
        return try commitAndPush(message, date: date)
    }

    struct Failed: Error, CustomStringConvertible { let description: String }
    func check(_ result: ProcessResult) throws {
        guard result.status == 0 else { throw Failed(description: result.stderr) }
    }
}

extension String {
    var withLeadingNewline: String { "\n" + self }
}
