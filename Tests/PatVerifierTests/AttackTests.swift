import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore
import PatTestSupport
import Testing
@testable import PatVerifier

/// Each attack from the trust notes, built with the real git (or byte by byte), must be refused as a whole
/// while the verifier keeps answering from the last good snapshot.
@Suite struct AttackTests {
    /// A verified store with one working token; returns the fixture, the verifier and the token value.
    func verifiedStore() throws -> (VerifierFixture, StoreVerifier, String) {
        let fixture = try VerifierFixture()
        let (_, secret) = try fixture.base.generate("deploy")
        let verifier = try fixture.verifier()
        guard case .loaded = verifier.refresh() else { throw VerifierFixture.Failed(description: "first load refused") }
        #expect(fixture.decide(verifier, secret.value).isAllowed)
        return (fixture, verifier, secret.value)
    }

    func expectRefused(_ verifier: StoreVerifier, _ fixture: VerifierFixture, token: String, reason: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = verifier.current?.commit
        guard case .refused(let error) = verifier.refresh() else {
            Issue.record("the head was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(error.description.contains(reason), "\(error)", sourceLocation: sourceLocation)
        #expect(verifier.current?.commit == before, sourceLocation: sourceLocation)
        #expect(verifier.status.lastRefusedHead == (try fixture.head()), sourceLocation: sourceLocation)
        #expect(fixture.decide(verifier, token).isAllowed, "the last good snapshot still answers", sourceLocation: sourceLocation)
        // A second look at the same head gives the same answer without a new verification.
        guard case .refused = verifier.refresh() else { Issue.record("refused head accepted on retry"); return }
    }

    /// A new, validly signed commit the verifier has not seen yet, to be tampered with before it does.
    func unseenSignedCommit(_ fixture: VerifierFixture) throws -> String {
        try fixture.base.generate("unseen")
        return try fixture.rawCommit()
    }

    @Test func tamperedContentUnderAnOldSignature() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let raw = try unseenSignedCommit(fixture)
        let emptyTree = try git(["hash-object", "-t", "tree", "-w", "/dev/null"], in: fixture.store).stdout.trimmingCharacters(in: .newlines)
        let tree = String(raw.split(separator: "\n")[0].dropFirst(5))
        try fixture.forceHead(objectText: raw.replacingOccurrences(of: tree, with: emptyTree))
        try expectRefused(verifier, fixture, token: token, reason: "the signature does not match the commit's content")
    }

    @Test func aSignatureOnlyInTheMessageBody() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let signed = try fixture.rawCommit()
        let armor = signed.components(separatedBy: "gpgsig ")[1].components(separatedBy: "\n\n")[0]
        let head = try fixture.head()
        let tree = String(signed.split(separator: "\n")[0].dropFirst(5))
        let payload = try fixture.unsignedCommit(tree: tree, parent: head, message: "innocent\n\ngpgsig \(armor)")
        try fixture.forceHead(objectText: payload)
        // libgit2's own extractor would call this signed; git and pat do not.
        let verify = try git(["-c", "gpg.ssh.allowedSignersFile=\(fixture.pinned)", "verify-commit", "main"], in: fixture.store)
        #expect(verify.status != 0)
        try expectRefused(verifier, fixture, token: token, reason: "is not signed")
    }

    @Test func duplicateAndUnknownSignatureHeaders() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let signed = try unseenSignedCommit(fixture)
        let armor = signed.components(separatedBy: "gpgsig ")[1].components(separatedBy: "\n\n")[0]
        let doubled = signed.replacingOccurrences(of: "gpgsig ", with: "gpgsig \(armor)\ngpgsig ")
        try fixture.forceHead(objectText: doubled)
        try expectRefused(verifier, fixture, token: token, reason: "more than one gpgsig header")

        let (fixture2, verifier2, token2) = try verifiedStore()
        let signed2 = try unseenSignedCommit(fixture2)
        let armor2 = signed2.components(separatedBy: "gpgsig ")[1].components(separatedBy: "\n\n")[0]
        let extra = signed2.replacingOccurrences(of: "gpgsig ", with: "gpgsig-sha256 \(armor2)\ngpgsig ")
        try fixture2.forceHead(objectText: extra)
        try expectRefused(verifier2, fixture2, token: token2, reason: "unknown signature header 'gpgsig-sha256'")
    }

    @Test func aSignatureInTheWrongNamespace() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let head = try fixture.head()
        let tree = String(try fixture.rawCommit().split(separator: "\n")[0].dropFirst(5))
        let payload = try fixture.unsignedCommit(tree: tree, parent: head, message: "namespace file")
        let signature = try SSHSignature.sign(Array(payload.utf8), namespace: "file", with: fixture.base.key)
        try fixture.forceHead(objectText: VerifierFixture.withSignature(payload, armor: signature.armored))
        try expectRefused(verifier, fixture, token: token, reason: "namespace 'file' is not 'git'")
    }

    @Test func aKeyNobodyTrusts() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let mallory = try sshKeygen(in: fixture.base.directory, name: "mallory", comment: "mallory")
        try fixture.pull()
        try "{}\n".write(toFile: fixture.work + "/extra.json", atomically: true, encoding: .utf8)
        try fixture.commitAndPush("by mallory", key: mallory)
        try expectRefused(verifier, fixture, token: token, reason: "which its parent's allowed_signers does not trust")
    }

    /// Makes Bob's key and adds it to allowed_signers in the work clone (not committed yet); returns its path.
    func addBobToTheSignersFileInTheClone(_ fixture: VerifierFixture) throws -> String {
        let bob = try sshKeygen(in: fixture.base.directory, name: "bob", comment: "bob")
        let bobLine = try String(contentsOfFile: bob + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try fixture.pull()
        let signers = fixture.work + "/allowed_signers"
        try (try String(contentsOfFile: signers, encoding: .utf8) + "bob@example.com namespaces=\"git\" \(bobLine)\n")
            .write(toFile: signers, atomically: true, encoding: .utf8)
        return bob
    }

    @Test func aKeyAddedInTheSameCommitDoesNotCountForIt() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let bob = try addBobToTheSignersFileInTheClone(fixture)
        try fixture.commitAndPush("bob adds himself", key: bob)
        try expectRefused(verifier, fixture, token: token, reason: "which its parent's allowed_signers does not trust")
    }

    @Test func aKeyAddedByATrustedSignerSignsTheNextCommit() throws {
        let (fixture, verifier, token) = try verifiedStore()
        let bob = try addBobToTheSignersFileInTheClone(fixture)
        try fixture.commitAndPush("alice adds bob")
        try "{}\n".write(toFile: fixture.work + "/notes.json", atomically: true, encoding: .utf8)
        let head = try fixture.commitAndPush("bob's first commit", key: bob)
        guard case .loaded(let snapshot) = verifier.refresh() else { Issue.record("a properly delegated chain was refused"); return }
        #expect(snapshot.commit == head)
        #expect(fixture.decide(verifier, token).isAllowed)
    }

    @Test func rewindForcePushAndReplayAreRefused() throws {
        let (fixture, verifier, firstToken) = try verifiedStore()
        let old = try fixture.head()
        let (removed, _) = try fixture.base.generate("second")
        _ = removed
        try fixture.base.store.remove(.tokens([try fixture.base.store.view().tokens().first { $0.description == "deploy" }!.id]), fixture.base.options)
        guard case .loaded = verifier.refresh() else { Issue.record("removal refused"); return }
        #expect(fixture.decide(verifier, firstToken).result == .unknownToken)

        // Replay the older, validly signed head that still holds the removed token.
        try git(["update-ref", "refs/heads/main", old], in: fixture.store)
        guard case .refused(let error) = verifier.refresh() else { Issue.record("rollback accepted"); return }
        #expect(error.description.contains("does not descend from the last verified head"))
        #expect(fixture.decide(verifier, firstToken).result == .unknownToken, "the removed token does not come back")

        // A new process with the same state file refuses it too, and answers from the verified head.
        let restarted = try fixture.verifier()
        guard case .refused = restarted.refresh() else { Issue.record("rollback accepted after restart"); return }
        #expect(fixture.decide(restarted, firstToken).result == .unknownToken)
        #expect(restarted.current != nil)

        // A force-pushed sibling history signed by a trusted key is refused the same way.
        try fixture.gitIn(["fetch", "-q", "origin"])
        try fixture.gitIn(["reset", "-q", "--hard", old])
        try "{}\n".write(toFile: fixture.work + "/fork.json", atomically: true, encoding: .utf8)
        try fixture.commitAndPush("fork", force: true)
        guard case .refused(let forkError) = verifier.refresh() else { Issue.record("force-push accepted"); return }
        #expect(forkError.description.contains("does not descend"))
    }

    @Test func damagedTokenFilesDenyOnlyThemselves() throws {
        let (fixture, verifier, token) = try verifiedStore()
        try fixture.pull()
        let badID = "abcdefabcdefabcd"
        try FileManager.default.createDirectory(atPath: fixture.work + "/tokens/ab", withIntermediateDirectories: true)
        try "{ broken".write(toFile: fixture.work + "/tokens/ab/\(badID).json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: fixture.work + "/tokens/ab/abcdefabcdefabce.json", withDestinationPath: "/etc/passwd")
        try fixture.gitIn(["add", "-A"])
        try fixture.gitIn(["update-index", "--add", "--cacheinfo", "160000,\(try fixture.head()),tokens/cd/cdcdcdcdcdcdcdcd.json"])
        try fixture.commitAndPush("bad entries", addAll: false)
        guard case .loaded(let snapshot) = verifier.refresh() else { Issue.record("a trusted commit with bad token files was refused"); return }
        let problems = snapshot.problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix("tokens/ab/\(badID).json: not valid JSON") })
        #expect(problems.contains("tokens/ab/abcdefabcdefabce.json: a symbolic link; denied"))
        #expect(problems.contains("tokens/cd/cdcdcdcdcdcdcdcd.json: a submodule; denied"))
        #expect(verifier.status.problems.count == 3)
        #expect(fixture.decide(verifier, token).isAllowed)
    }

    @Test func withoutATrustRootOrWithAForeignOneNothingIsTrusted() throws {
        let fixture = try VerifierFixture()
        let stranger = OpenSSHPrivateKey.generate(comment: "x").publicKey
        let verifier = try fixture.verifier(trust: .allowedSigners(AllowedSigners(entries: [.init(principal: "x", key: stranger)])))
        guard case .refused(let error) = verifier.refresh() else { Issue.record("foreign root accepted"); return }
        #expect(error.description.contains("which its parent's allowed_signers does not trust"))
        #expect(verifier.current == nil)
        #expect(Authorizer.decide(verifier.current?.authorization, token: "x", method: "a.b.c", at: Date()).result == .storeUnavailable)

        let other = try fixture.verifier(trust: .commit(ObjectID(hex: String(repeating: "1", count: 40))!))
        guard case .refused = other.refresh() else { Issue.record("unknown root accepted"); return }
    }
}
