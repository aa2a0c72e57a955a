import Foundation
import PatCore
import PatGit
import PatSSH
import PatTestSupport
import Testing
@testable import PatStore

@Suite struct StoreLifecycleTests {
    @Test func theWholeTokenLifeIsOneSignedCommitPerChange() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let (token, secret) = try fixture.generate("CI deploy", preset: "maven plugin")
        #expect(token.api.preset == "Maven Plugin")
        #expect(token.api.methods.contains("environment.Deployment.Deploy"))
        #expect(token.hash == TokenHash(digest: secret.digest))

        let edited = try store.edit(token.id, TokenSettingsRequest(description: "CI deploy (prod)",
                                                                   methods: ["env.control.stopenv", "environment.Control.StartEnv"]),
                                    fixture.options)
        #expect(edited.change.tokens[0].api == APIGrant(preset: "Custom", methods: ["environment.Control.StartEnv", "environment.Control.StopEnv"]))
        #expect(edited.change.secrets.isEmpty)

        let regenerated = try store.regenerate([token.id], expires: nil, fixture.options)
        let newSecret = try #require(regenerated.change.secrets[token.id])
        #expect(newSecret.value != secret.value)
        let afterRegenerate = try store.view().requireToken(token.id)
        #expect(afterRegenerate.hash == TokenHash(digest: newSecret.digest))
        #expect(afterRegenerate.hash != token.hash)
        #expect(afterRegenerate.description == "CI deploy (prod)")

        let copied = try store.copy(token.id, TokenSettingsRequest(description: "second runner"), fixture.options)
        let copy = copied.change.tokens[0]
        #expect(copy.id != token.id)
        #expect(copy.api == afterRegenerate.api)
        #expect(copy.expires == afterRegenerate.expires)

        #expect(Set(try store.view().tokens().map(\.id)) == [token.id, copy.id])
        try store.remove(.tokens([token.id]), fixture.options)
        #expect(try store.view().tokens().map(\.id) == [copy.id])
        try store.remove(.all, fixture.options)
        #expect(try store.view().tokens().isEmpty)

        let log = try store.log(limit: 100)
        #expect(log.map(\.operation) == ["remove", "remove", "copy", "regenerate", "edit", "generate", "init"])
        #expect(log.allSatisfy { $0.signature == .good(principal: "alice@example.com", fingerprint: fixture.key.publicKey.fingerprint) })
        #expect(log[2].tokens == [copy.id.rawValue])
        #expect(log[3].tokens == [token.id.rawValue])

        let history = try store.history(of: token.id)
        #expect(history.map(\.operation) == ["remove", "regenerate", "edit", "generate"])

        // Stock git agrees with pat about every commit.
        let signers = try fixture.allowedSignersFile()
        for record in log {
            let result = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", record.id.hex], in: store.path)
            #expect(result.status == 0, "\(record.subject): \(result.stderr)")
            #expect(result.stderr.contains("Good \"git\" signature for alice@example.com"))
        }
        let shown = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "log", "--show-signature", "--format=%H %G?"], in: store.path)
        #expect(shown.stdout.components(separatedBy: "Good \"git\" signature for alice@example.com").count - 1 == log.count)
        #expect(shown.stdout.split(separator: "\n").filter { $0.hasSuffix(" G") }.count == log.count)
    }

    @Test func historyIsLinearAndEveryCommitTouchesOneShard() throws {
        let fixture = try StoreFixture()
        let (a, _) = try fixture.generate("a")
        let (b, _) = try fixture.generate("b")
        let head = try fixture.store.head()
        let info = try fixture.store.repository.commit(head)
        let parentTree = try fixture.store.repository.commit(info.parents[0]).tree
        let changed = try git(["diff-tree", "-r", "--name-only", parentTree.hex, info.tree.hex], in: fixture.store.path).stdout
        #expect(changed == b.id.path + "\n")
        #expect(try fixture.store.repository.file(atPath: a.id.path, inTree: info.tree) != nil)
        let files = try git(["ls-tree", "-r", "--name-only", "main"], in: fixture.store.path).stdout.split(separator: "\n")
        #expect(files.contains { $0 == "pat.json" } && files.contains { $0 == "allowed_signers" })
        #expect(files.filter { $0.hasPrefix("presets/") }.count == 4)
    }

    @Test func noTokenValueIsEverWrittenToTheRepository() throws {
        let fixture = try StoreFixture()
        var secrets: [String] = []
        for index in 0..<5 { secrets.append(try fixture.generate("token \(index)").secret.value) }
        let ids = try fixture.store.view().tokens().map(\.id)
        let regenerated = try fixture.store.regenerate(ids, expires: nil, fixture.options)
        secrets += regenerated.change.secrets.values.map(\.value)
        let copied = try fixture.store.copy(ids[0], TokenSettingsRequest(), fixture.options)
        secrets += copied.change.secrets.values.map(\.value)
        #expect(secrets.count == 11)

        // Every object in the repository, loose or packed, reachable or not.
        let dump = try git(["cat-file", "--batch-all-objects", "--batch", "--unordered"], in: fixture.store.path).stdout
        #expect(dump.contains("sha256:"))
        for secret in secrets {
            #expect(!dump.contains(secret))
            #expect(!dump.contains(String(secret.dropFirst(4).prefix(20))))
        }
        // Nor anywhere else in the store's folder (config, refs, logs).
        let grep = try run("grep", ["-r", "-l", String(secrets[0].dropFirst(4).prefix(20)), fixture.store.path])
        #expect(grep.status == 1)
    }

    @Test func expiredTokensAreRenewedByRegenerateWithANewDay() throws {
        let fixture = try StoreFixture(now: Date(timeIntervalSince1970: 1_795_435_200))
        let (token, _) = try fixture.generate(expires: "+1d")
        fixture.clock = fixture.clock.addingTimeInterval(5 * 86_400)
        #expect(throws: StoreError.self) { try fixture.store.regenerate([token.id], expires: nil, fixture.options) }
        let renewed = try fixture.store.regenerate([token.id], expires: "+30d", fixture.options)
        #expect(Timestamp.format(renewed.change.tokens[0].expires) == "2026-12-28T23:59:59Z")
    }

    @Test func aKeyOutsideTheSignersFileCannotWrite() throws {
        let fixture = try StoreFixture()
        let before = try fixture.snapshot()
        let stranger = OpenSSHPrivateKey.generate(comment: "mallory")
        #expect {
            try fixture.store.generate(TokenSettingsRequest(description: "x", expires: "+1d", preset: "Marketplace"),
                                       WriteOptions(signer: stranger))
        } throws: { error in
            "\(error)" == "the signing key \(stranger.publicKey.fingerprint) is not in the store's allowed_signers file, so its commits would not verify"
        }
        #expect(try fixture.snapshot() == before)
    }

    /// The fallback to the store's default (no git identity configured) is checked through the command in
    /// CommandTests; here: init records the default, and an explicit identity always wins.
    @Test func anExplicitIdentityWinsAndInitRecordsTheDefault() throws {
        let fixture = try StoreFixture()
        let settings = try fixture.store.view().settings
        #expect(settings.defaultAuthorEmail == "alice@example.com")
        let explicit = Identity(name: "Bob", email: "bob@example.com")
        #expect(fixture.store.identity(override: explicit, settings: settings) == explicit)
    }
}
