import Foundation
import PatTestSupport
import Testing
@testable import PatSSH

@Suite struct KeyFileTests {
    @Test func keysMadeBySSHKeygenLoad() throws {
        let directory = TemporaryDirectory()
        let path = try sshKeygen(in: directory, comment: "bob@example.com")
        let key = try OpenSSHPrivateKey.load(path: path)
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(publicLine.hasPrefix(key.publicKey.line + " "))
        #expect(key.comment == "bob@example.com")
        let fingerprint = try run("ssh-keygen", ["-l", "-f", path + ".pub"]).stdout
        #expect(fingerprint.contains(key.publicKey.fingerprint))
    }

    @Test func keysWrittenByPatLoadInSSHKeygen() throws {
        let directory = TemporaryDirectory()
        let (path, key) = try writeKey(in: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let result = try run("ssh-keygen", ["-y", "-f", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(key.publicKey.line))
        #expect(try OpenSSHPrivateKey.load(path: path).publicKey == key.publicKey)
    }

    @Test func rsaKeysAreRefusedByType() throws {
        let directory = TemporaryDirectory()
        let path = try sshKeygen(in: directory, type: "rsa")
        #expect(throws: SSHKeyError.unsupportedKeyType("ssh-rsa")) { try OpenSSHPrivateKey.load(path: path) }
    }

    /// Public and private files of every type ssh-keygen makes: ed25519 ones read, the others name their type
    /// and kind instead of "not an OpenSSH private key".
    @Test func keyFilesOfOtherTypesSayWhatTheyAre() throws {
        let directory = TemporaryDirectory()
        let ed25519 = try sshKeygen(in: directory)
        let key = try OpenSSHPrivateKey.load(path: ed25519)
        #expect(try KeyFileContents.read(try OpenSSHPrivateKey.readFile(ed25519)).publicKey == key.publicKey)
        #expect(try KeyFileContents.read(try OpenSSHPrivateKey.readFile(ed25519 + ".pub")).publicKey == key.publicKey)
        let cases: [(type: String, extra: [String], name: String)] = [
            ("ecdsa", [], "ecdsa-sha2-nistp256"), ("ecdsa", ["-b", "384"], "ecdsa-sha2-nistp384"), ("rsa", [], "ssh-rsa"),
        ]
        for (index, (type, extra, name)) in cases.enumerated() {
            let path = try sshKeygen(in: directory, name: "k\(index)", type: type, extra: extra)
            #expect(throws: SSHKeyError.notEd25519(type: name, kind: "public key")) {
                try KeyFileContents.read(try OpenSSHPrivateKey.readFile(path + ".pub"))
            }
            #expect(throws: SSHKeyError.notEd25519(type: name, kind: "private key")) {
                try KeyFileContents.read(try OpenSSHPrivateKey.readFile(path))
            }
        }
        let pem = try sshKeygen(in: directory, name: "pem", type: "rsa", extra: ["-m", "PEM"])
        #expect(throws: SSHKeyError.notEd25519(type: "ssh-rsa", kind: "private key in PEM format")) {
            try KeyFileContents.read(try OpenSSHPrivateKey.readFile(pem))
        }
        #expect(throws: SSHKeyError.notEd25519(type: "sk-ssh-ed25519@openssh.com", kind: "public key")) {
            try KeyFileContents.read("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t comment\n")
        }
        #expect(throws: SSHKeyError.notAKeyFile) { try KeyFileContents.read("garbage\n") }
        #expect(SSHKeyError.notEd25519(type: "ecdsa-sha2-nistp256", kind: "public key").description
            == "only ssh-ed25519 keys are supported; this is an ecdsa-sha2-nistp256 public key")
    }

    @Test func protectedKeysMadeBySSHKeygenUnlockWithTheirPassword() throws {
        let directory = TemporaryDirectory()
        let path = try sshKeygen(in: directory, name: "enc", passphrase: "secret pass \u{e9}")
        let info = try OpenSSHPrivateKey.inspect(try OpenSSHPrivateKey.readFile(path))
        #expect(info.isEncrypted && info.cipher == "aes256-ctr" && info.kdf == "bcrypt")
        #expect(throws: SSHKeyError.passphraseRequired) { try OpenSSHPrivateKey.load(path: path) }
        #expect(throws: SSHKeyError.wrongPassphrase) { try OpenSSHPrivateKey.load(path: path, passphrase: "secret pass") }
        #expect(throws: SSHKeyError.emptyPassphrase) { try OpenSSHPrivateKey.load(path: path, passphrase: "") }
        let key = try OpenSSHPrivateKey.load(path: path, passphrase: "secret pass \u{e9}")
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        #expect(publicLine.hasPrefix(key.publicKey.line))
        // The unlocked key really is the private half: ssh-keygen verifies what it signs.
        let signature = try SSHSignature.sign(Array("m".utf8), with: key)
        #expect(signature.isValid(for: Array("m".utf8)))
    }

    @Test func protectedKeysWrittenByPatUnlockInSSHKeygen() throws {
        let directory = TemporaryDirectory()
        let key = OpenSSHPrivateKey.generate(comment: "carol@example.com")
        let path = directory.file("pat_key")
        try KeyFiles.write(key, passphrase: "pat's pass", to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let result = try run("ssh-keygen", ["-y", "-P", "pat's pass", "-f", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(key.publicKey.line))
        let wrong = try run("ssh-keygen", ["-y", "-P", "not it", "-f", path])
        #expect(wrong.status != 0)
        // ssh-keygen can change the password of pat's file, and pat reads the result.
        let changed = try run("ssh-keygen", ["-p", "-P", "pat's pass", "-N", "new pass", "-f", path])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try OpenSSHPrivateKey.load(path: path, passphrase: "new pass").publicKey == key.publicKey)
    }

    @Test func otherCiphersAndKdfsAreNamedAndRefused() throws {
        let directory = TemporaryDirectory()
        let path = try sshKeygen(in: directory, name: "chacha", passphrase: "pass", extra: ["-Z", "chacha20-poly1305@openssh.com"])
        #expect(throws: SSHKeyError.unsupportedEncryption(cipher: "chacha20-poly1305@openssh.com", kdf: "bcrypt")) {
            try OpenSSHPrivateKey.load(path: path, passphrase: "pass")
        }
    }

    @Test func missingFilesAreNamed() {
        #expect(throws: SSHKeyError.unreadable("/nonexistent/key", "no such file")) {
            try OpenSSHPrivateKey.load(path: "/nonexistent/key")
        }
    }

    /// Builds key files byte by byte, each broken in one way.
    static func keyFile(magic: [UInt8] = OpenSSHPrivateKey.magic, count: UInt32 = 1, check2Delta: UInt32 = 0,
                        otherPublicKey: Bool = false, truncate: Int = 0, trailing: [UInt8] = []) -> String {
        let key = OpenSSHPrivateKey.generate(comment: "c")
        var section = key.privateSection(blockSize: 8, check: 7)
        if check2Delta != 0 { section[7] &+= UInt8(check2Delta) }
        var writer = SSHWriter()
        writer.write(magic)
        writer.writeString("none"); writer.writeString("none"); writer.writeString([UInt8]())
        writer.writeUInt32(count)
        writer.writeString(otherPublicKey ? OpenSSHPrivateKey.generate(comment: "x").publicKey.blob : key.publicKey.blob)
        writer.writeString(section)
        writer.write(trailing)
        return Armor.wrap(Array(writer.bytes.dropLast(truncate)), label: "OPENSSH PRIVATE KEY", width: 70)
    }

    static let corrupt: [(String, String, SSHKeyError)] = [
        ("wrong magic", keyFile(magic: Array("openssh-key-v2\0".utf8)), .malformed("wrong magic (not openssh-key-v1)")),
        ("two keys", keyFile(count: 2), .malformed("the file holds 2 keys; pat reads files with exactly one")),
        ("check integers", keyFile(check2Delta: 1), .malformed("the check integers differ (wrong passphrase or a damaged file)")),
        ("mismatch", keyFile(otherPublicKey: true), .malformed("the private key does not match the public key in the same file")),
        ("truncated", keyFile(truncate: 20), .malformed("the key sections are truncated")),
        ("trailing", keyFile(trailing: [0]), .malformed("trailing bytes after the private section")),
        ("not armored", "ssh-ed25519 AAAA", .notOpenSSHKey),
        ("not base64", "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n", .notOpenSSHKey),
    ]

    @Test(arguments: corrupt)
    func corruptKeysAreRefusedWithTheReason(name: String, text: String, error: SSHKeyError) {
        #expect(throws: error, "\(name)") { try OpenSSHPrivateKey.parse(text) }
    }
}
