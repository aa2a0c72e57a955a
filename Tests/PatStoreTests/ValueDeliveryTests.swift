import Foundation
import PatCore
import PatGit
import PatSSH
import PatTestSupport
import Testing
@testable import PatStore

/// `Store.deliver`: a value that was committed is delivered, or its token is removed again by a second signed commit.
/// The writes fail by injection here; the CLI tests make real ones fail (/dev/full, a closed pipe, a full tmpfs).
@Suite struct ValueDeliveryTests {
    struct InjectedFailure: Error, CustomStringConvertible {
        var description: String { "Input/output error" }
    }

    @Test func aFailedDeliveryIsUndoneByASecondSignedCommit() throws {
        let fixture = try StoreFixture()
        let committed = try fixture.store.generate(TokenSettingsRequest(description: "lost", expires: "+1d", preset: "Marketplace"),
                                                   fixture.options)
        let id = committed.change.tokens[0].id
        var delivered = false
        #expect(throws: Never.self) { try fixture.store.deliver(committed, to: .standardOutput, fixture.options) { delivered = true } }
        #expect(delivered)
        #expect(try fixture.store.head() == committed.commit, "a delivered value needs no second commit")

        let second = try fixture.store.generate(TokenSettingsRequest(description: "lost", expires: "+1d", preset: "Marketplace"),
                                                fixture.options)
        let secondID = second.change.tokens[0].id
        let error = try #require(throws: StoreError.self) {
            try fixture.store.deliver(second, to: .file("/somewhere/token.txt"), fixture.options) { throw InjectedFailure() }
        }
        let undo = try fixture.store.head()
        #expect(String(describing: error) == "token \(secondID) was committed in \(second.commit.short), but its value could not be written to /somewhere/token.txt: Input/output error; a second commit \(undo.short) removed it again")
        #expect(try fixture.store.repository.commit(undo).parents == [second.commit])
        #expect(try fixture.store.repository.commit(undo).tree == fixture.store.repository.commit(committed.commit).tree)
        #expect(try fixture.store.view().token(secondID) == nil)
        #expect(try fixture.store.view().token(id) != nil)

        let message = try fixture.store.repository.commit(undo).message
        #expect(message == """
            Remove token \(secondID): lost (value not delivered)

            The new value made by \(second.commit.hex) (generate)
            could not be written to the --output file: Input/output error; nobody holds it.

            Removed (these values no longer verify):
            - \(CommitMessage.summary(of: second.change.tokens[0]))

            Pat-Operation: remove
            Pat-Token: \(secondID)
            Pat-Undoes: \(second.commit.hex)

            """)
        let log = try fixture.store.log(limit: 10)
        #expect(log.map(\.operation) == ["remove", "generate", "generate", "init"])
        #expect(log.allSatisfy { $0.signature.isGood })
        let signers = try fixture.allowedSignersFile()
        let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", undo.hex], in: fixture.store.path)
        #expect(verified.status == 0, "\(verified.stderr)")
    }

    /// A token another writer regenerated in between holds a value someone received: the undo leaves it alone.
    @Test func tokensChangedByAnotherWriterSinceAreLeftAlone() throws {
        let fixture = try StoreFixture()
        let (a, _) = try fixture.generate("a")
        let (b, _) = try fixture.generate("b")
        let committed = try fixture.store.regenerate([a.id, b.id], expires: nil, fixture.options)
        let error = try #require(throws: StoreError.self) {
            try fixture.store.deliver(committed, to: .standardOutput, fixture.options) {
                _ = try fixture.store.regenerate([a.id], expires: nil, fixture.options)
                throw InjectedFailure()
            }
        }
        let undo = try fixture.store.head()
        #expect(String(describing: error) == "2 tokens got new values in \(committed.commit.short), but they could not be written to standard output: Input/output error; as their old values stopped working with that commit, a second commit \(undo.short) removed the tokens \(b.id) (other commits had changed \(a.id) since, which was left as it is)")
        #expect(try fixture.store.view().tokens().map(\.id) == [a.id])

        // Nothing left to undo: no commit at all.
        let again = try fixture.store.regenerate([a.id], expires: nil, fixture.options)
        let nothing = try #require(throws: StoreError.self) {
            try fixture.store.deliver(again, to: .standardOutput, fixture.options) {
                _ = try fixture.store.remove(.tokens([a.id]), fixture.options)
                throw InjectedFailure()
            }
        }
        let removedByOther = try fixture.store.head()
        #expect(String(describing: nothing).hasSuffix("; other commits had changed or removed it since, so there was nothing left to remove"))
        #expect(try fixture.store.repository.commit(removedByOther).parents == [again.commit])
    }

    /// The signer was removed by someone else before the undo could be signed: the error names the live tokens.
    @Test func whenTheUndoFailsTooTheLiveTokensAreNamed() throws {
        let fixture = try StoreFixture()
        let bob = try writeKey(in: fixture.directory, name: "bob", comment: "bob@example.com").key
        _ = try fixture.store.addSigner("bob@example.com", key: bob.publicKey, fixture.options)
        let committed = try fixture.store.generate(TokenSettingsRequest(description: "lost", expires: "+1d", preset: "Marketplace"),
                                                   fixture.options)
        let id = committed.change.tokens[0].id
        let error = try #require(throws: StoreError.self) {
            try fixture.store.deliver(committed, to: .standardOutput, fixture.options) {
                _ = try fixture.store.removeSigner("alice@example.com", WriteOptions(signer: bob, identity: StoreFixture.identity))
                throw InjectedFailure()
            }
        }
        #expect(String(describing: error) == """
            token \(id) was committed in \(committed.commit.short), but its value could not be written to standard output: Input/output error; removing it again failed too: \(StoreError.signerNotTrusted(fingerprint: fixture.key.publicKey.fingerprint))
            token \(id) is live and nobody holds its value: remove it with 'pat remove \(id) --store \(fixture.store.path)'
            """)
        #expect(try fixture.store.view().token(id) != nil)
    }

    @Test func anOutputFileIsNewPrivateAndDiscardRemovesOnlyItsOwnFile() throws {
        let directory = TemporaryDirectory("secret-output")
        let path = directory.file("token.txt")
        let output = try SecretOutput.open(file: path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(throws: StoreError.self) { try SecretOutput.open(file: path) }
        try output.write("pat_value\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "pat_value\n")

        // Someone replaced the file after pat made it: discard leaves theirs alone.
        let replaced = directory.file("replaced.txt")
        let other = try SecretOutput.open(file: replaced)
        try FileManager.default.removeItem(atPath: replaced)
        try "theirs\n".write(toFile: replaced, atomically: false, encoding: .utf8)
        other.discard()
        #expect(try String(contentsOfFile: replaced, encoding: .utf8) == "theirs\n")

        let unused = try SecretOutput.open(file: directory.file("unused.txt"))
        unused.discard()
        #expect(!FileManager.default.fileExists(atPath: directory.file("unused.txt")))
    }
}
