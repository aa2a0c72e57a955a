import Foundation
import PatCore
import PatSSH
import PatTestSupport
import Testing
@testable import PatStore

/// One `Store` keeps the parsed settings, signers and presets of the last head it read: a change to any of them must
/// be seen by the very next write through the same store value, never a stale copy.
@Suite struct ParsedFilesTests {
    @Test func signerChangesTakeEffectOnTheNextWriteThroughTheSameStore() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let bob = OpenSSHPrivateKey.generate(comment: "bob@example.com")
        let bobOptions = WriteOptions(signer: bob, identity: fixture.options.identity)
        let request = TokenSettingsRequest(description: "by bob", expires: "+3d", preset: "Marketplace")
        #expect(performing: { try store.generate(request, bobOptions) }, throws: { error in
            if case StoreError.signerNotTrusted(let fingerprint) = error { return fingerprint == bob.publicKey.fingerprint }
            return false
        })
        _ = try store.addSigner("bob@example.com", key: bob.publicKey, fixture.options)
        _ = try store.generate(request, bobOptions)
        _ = try store.removeSigner("bob@example.com", fixture.options)
        #expect(performing: { try store.generate(request, bobOptions) }, throws: { error in
            if case StoreError.signerNotTrusted(let fingerprint) = error { return fingerprint == bob.publicKey.fingerprint }
            return false
        })
        #expect(try store.view().signers.entries.map(\.principal) == ["alice@example.com"])
    }
}
