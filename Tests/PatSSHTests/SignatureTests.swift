import Foundation
import PatTestSupport
import Testing
@testable import PatSSH

@Suite struct SignatureTests {
    @Test func sshKeygenVerifiesWhatPatSigns() throws {
        let directory = TemporaryDirectory()
        let (_, key) = try writeKey(in: directory)
        let message = "tree abc\n\nhello\n"
        let signature = try SSHSignature.sign(Array(message.utf8), with: key)
        try signature.armored.write(toFile: directory.file("msg.sig"), atomically: true, encoding: .utf8)
        let signers = AllowedSigners(entries: [.init(principal: "alice@example.com", key: key.publicKey)])
        try signers.text.write(toFile: directory.file("allowed"), atomically: true, encoding: .utf8)
        let result = try run("ssh-keygen", ["-Y", "verify", "-f", directory.file("allowed"), "-I", "alice@example.com",
                                            "-n", "git", "-s", directory.file("msg.sig")], stdin: message)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Good \"git\" signature for alice@example.com"))
        let tampered = try run("ssh-keygen", ["-Y", "verify", "-f", directory.file("allowed"), "-I", "alice@example.com",
                                              "-n", "git", "-s", directory.file("msg.sig")], stdin: message + "x")
        #expect(tampered.status != 0)
    }

    @Test func patVerifiesWhatSSHKeygenSigns() throws {
        let directory = TemporaryDirectory()
        let path = try sshKeygen(in: directory)
        let message = "payload to sign\n"
        try message.write(toFile: directory.file("data"), atomically: true, encoding: .utf8)
        let result = try run("ssh-keygen", ["-Y", "sign", "-f", path, "-n", "git", directory.file("data")])
        #expect(result.status == 0, "\(result.stderr)")
        let armored = try String(contentsOfFile: directory.file("data.sig"), encoding: .utf8)
        let signature = try SSHSignature.parse(armored: armored)
        #expect(signature.publicKey == (try OpenSSHPrivateKey.load(path: path)).publicKey)
        #expect(signature.isValid(for: Array(message.utf8)))
        #expect(!signature.isValid(for: Array("other".utf8)))
        #expect(!signature.isValid(for: Array(message.utf8), namespace: "file"))
    }

    static func blob(version: UInt32 = 1, hash: String = "sha512", reserved: [UInt8] = [], trailing: [UInt8] = []) throws -> String {
        let key = OpenSSHPrivateKey.generate(comment: "")
        let good = try SSHSignature.sign([1, 2, 3], with: key)
        var inner = SSHWriter()
        inner.writeString("ssh-ed25519"); inner.writeString(good.signature)
        var writer = SSHWriter()
        writer.write(Array("SSHSIG".utf8)); writer.writeUInt32(version); writer.writeString(key.publicKey.blob)
        writer.writeString("git"); writer.writeString(reserved); writer.writeString(hash); writer.writeString(inner.bytes)
        writer.write(trailing)
        return Armor.wrap(writer.bytes, label: "SSH SIGNATURE", width: 70)
    }

    @Test func strictParsingRefusesOddSignatures() throws {
        #expect(throws: SSHSignatureError.unsupportedVersion(2)) { try SSHSignature.parse(armored: try Self.blob(version: 2)) }
        #expect(throws: SSHSignatureError.unsupportedHash("sha1")) { try SSHSignature.parse(armored: try Self.blob(hash: "sha1")) }
        #expect(throws: SSHSignatureError.malformed("trailing bytes")) { try SSHSignature.parse(armored: try Self.blob(trailing: [0])) }
        #expect(throws: SSHSignatureError.malformed("the reserved field is not empty")) { try SSHSignature.parse(armored: try Self.blob(reserved: [1])) }
        #expect(throws: SSHSignatureError.notArmored) { try SSHSignature.parse(armored: "garbage") }
        _ = try SSHSignature.parse(armored: try Self.blob())
    }

    @Test func allowedSignersRoundTripAndRefuseWhatPatDoesNotWrite() throws {
        let key = OpenSSHPrivateKey.generate(comment: "").publicKey
        let signers = AllowedSigners(entries: [.init(principal: "alice@example.com", key: key)])
        #expect(try AllowedSigners.parse("# comment\n\n" + signers.text) == signers)
        #expect(try AllowedSigners.parse("alice@example.com \(key.line)").entries.count == 1)
        #expect(throws: AllowedSignersError.badLine(1, "the only option pat accepts is namespaces=\"git\"")) {
            try AllowedSigners.parse("alice@example.com cert-authority \(key.line)")
        }
        #expect(throws: AllowedSignersError.badLine(1, "unsupported key type ssh-rsa: pat signs with ssh-ed25519 keys only")) {
            try AllowedSigners.parse("alice@example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ")
        }
        #expect(!AllowedSigners.isValidPrincipal("a,b"))
        #expect(!AllowedSigners.isValidPrincipal("*"))
        #expect(AllowedSigners.isValidPrincipal("ci@example.com"))
    }

    /// Armor lines are trimmed exactly as Foundation's `trimmingCharacters(in: .whitespaces)` trims them (on Linux
    /// its set also holds U+200B, which is no Unicode space separator), with Foundation called only when a line
    /// starts or ends with something it could trim.
    @Test(arguments: ["  U1NI\t", "\u{A0}U1NI\u{3000}", "U1NI", "", " \t ", "U1 NI", "\u{200B}U1NI", "\u{301}U1NI ", " \u{301}U1NI", "Ü1NI\u{2003}"])
    func armorLinesAreTrimmedAsFoundationTrimsThem(_ line: String) {
        #expect(Armor.trimmingWhitespace(Substring(line)) == line.trimmingCharacters(in: .whitespaces))
    }

    @Test func anArmoredSignatureWithIndentedLinesReadsBack() throws {
        let (_, key) = try writeKey(in: TemporaryDirectory())
        let signature = try SSHSignature.sign(Array("payload".utf8), with: key)
        let indented = signature.armored.split(separator: "\n").map { " \t" + $0 + "\u{A0}" }.joined(separator: "\n")
        #expect(try SSHSignature.parse(armored: indented).isValid(for: Array("payload".utf8)))
    }
}
