import Testing
@testable import PatCore

@Suite struct RawCommitTests {
    static let tree = String(repeating: "a", count: 40)
    static let parent = String(repeating: "b", count: 40)
    static let signature = "-----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----"
    static let unsigned = "tree \(tree)\nparent \(parent)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nSubject\n\nBody\n"

    static func signed(_ extraHeaders: String = "", message: String = "Subject\n\nBody\n") -> String {
        "tree \(tree)\nparent \(parent)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\(extraHeaders)gpgsig \(signature)\n\n\(message)"
    }

    @Test func thePayloadIsTheCommitWithoutItsSignatureHeader() throws {
        let commit = try RawCommit.parse(Array(Self.signed().utf8))
        #expect(String(decoding: commit.payload, as: UTF8.self) == Self.unsigned)
        #expect(commit.signature == "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n")
        #expect(commit.parents == [Self.parent])
        #expect(commit.message == "Subject\n\nBody\n")
    }

    @Test func aSignatureInTheMessageBodyDoesNotCount() throws {
        let body = "Subject\n\ngpgsig \(Self.signature)\n"
        let text = "tree \(Self.tree)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n\(body)"
        let commit = try RawCommit.parse(Array(text.utf8))
        #expect(commit.signature == nil)
    }

    /// Headers are split into lines by characters, and ASCII headers without CR by bytes (the same split, faster):
    /// a name outside ASCII, a CR before a line feed ("\r\n" is one character, so no line break) and a space
    /// with a combining accent all give the payload the commit's own bytes.
    @Test(arguments: ["José Ñandú <j@x>", "A\r\nB <a@x>", "A \u{301}B <a@x>", "A <a@x>"])
    func thePayloadKeepsTheHeaderBytesWhateverTheyHold(_ author: String) throws {
        let unsigned = "tree \(Self.tree)\nparent \(Self.parent)\nauthor \(author) 1 +0000\ncommitter A <a@x> 1 +0000\n\nSubject\n"
        let signed = "tree \(Self.tree)\nparent \(Self.parent)\nauthor \(author) 1 +0000\ncommitter A <a@x> 1 +0000\ngpgsig \(Self.signature)\n\nSubject\n"
        let commit = try RawCommit.parse(Array(signed.utf8))
        #expect(commit.payload == Array(unsigned.utf8))
        #expect(commit.author == "\(author) 1 +0000")
        #expect(commit.signature == "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n")
    }

    @Test func otherHeadersStayInThePayload() throws {
        let commit = try RawCommit.parse(Array(Self.signed("encoding ISO-8859-1\n").utf8))
        #expect(String(decoding: commit.payload, as: UTF8.self).contains("encoding ISO-8859-1\n\nSubject"))
    }

    @Test(arguments: [
        (signed("gpgsig \(signature)\n"), RawCommitError.duplicateSignature),
        (signed("gpgsig-sha256 \(signature)\n"), .unknownSignatureHeader("gpgsig-sha256")),
        ("tree \(tree)\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\nno empty line", .malformed("no empty line ends the header block")),
        ("author A <a@x> 1 +0000\ntree \(tree)\ncommitter A <a@x> 1 +0000\n\nm", .malformed("misplaced author header")),
        ("tree \(tree)\nauthor A <a@x> 1 +0000\ntree \(tree)\ncommitter A <a@x> 1 +0000\n\nm", .malformed("misplaced tree header")),
        ("tree xyz\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm", .malformed("missing or invalid tree, author or committer header")),
        (" continuation\ntree \(tree)\n\nm", .malformed("a continuation line opens the header block")),
    ])
    func strictParsingRefusesAmbiguousCommits(text: String, error: RawCommitError) {
        #expect(throws: error) { try RawCommit.parse(Array(text.utf8)) }
    }
}
