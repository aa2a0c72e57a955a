import Crypto
import Foundation

/// An ed25519 private key in OpenSSH's own file format ("openssh-key-v1"), as `ssh-keygen -t ed25519` writes it.
public struct OpenSSHPrivateKey: Sendable {
    static let magic = Array("openssh-key-v1\0".utf8)
    static let label = "OPENSSH PRIVATE KEY"

    public let signingKey: Curve25519.Signing.PrivateKey
    public let publicKey: SSHPublicKey
    public let comment: String

    public init(signingKey: Curve25519.Signing.PrivateKey, comment: String) {
        self.signingKey = signingKey
        self.publicKey = try! SSHPublicKey(raw: Array(signingKey.publicKey.rawRepresentation))
        self.comment = comment
    }

    public static func generate(comment: String) -> OpenSSHPrivateKey {
        OpenSSHPrivateKey(signingKey: Curve25519.Signing.PrivateKey(), comment: comment)
    }

    public static func load(path: String) throws(SSHKeyError) -> OpenSSHPrivateKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not a readable text file" : "no such file"
            throw .unreadable(path, reason)
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(SSHKeyError) -> OpenSSHPrivateKey {
        guard let bytes = Armor.unwrap(text, label: label) else { throw .notOpenSSHKey }
        var reader = SSHReader(bytes)
        guard reader.readBytes(magic.count) == magic else { throw .malformed("wrong magic (not openssh-key-v1)") }
        guard let cipher = reader.readText(), let kdf = reader.readText(), reader.readString() != nil,
              let count = reader.readUInt32() else { throw .malformed("the header is truncated") }
        guard count == 1 else { throw .malformed("the file holds \(count) keys; pat reads files with exactly one") }
        guard let publicBlob = reader.readString(), let privateSection = reader.readString() else {
            throw .malformed("the key sections are truncated")
        }
        guard reader.isAtEnd else { throw .malformed("trailing bytes after the private section") }
        let publicKey = try SSHPublicKey(blob: publicBlob)
        guard cipher == "none", kdf == "none" else { throw .encrypted(cipher: cipher, kdf: kdf) }
        return try parsePrivateSection(privateSection, publicKey: publicKey, blockSize: 8)
    }

    static func parsePrivateSection(_ section: [UInt8], publicKey: SSHPublicKey, blockSize: Int) throws(SSHKeyError) -> OpenSSHPrivateKey {
        var reader = SSHReader(section)
        guard section.count % blockSize == 0 else { throw .malformed("the private section is not a whole number of blocks") }
        guard let check1 = reader.readUInt32(), let check2 = reader.readUInt32() else { throw .malformed("the private section is truncated") }
        guard check1 == check2 else { throw .malformed("the check integers differ (wrong passphrase or a damaged file)") }
        guard let type = reader.readText() else { throw .malformed("the private section is truncated") }
        guard type == SSHPublicKey.algorithm else { throw .unsupportedKeyType(type) }
        guard let pk = reader.readString(), let sk = reader.readString(), let commentBytes = reader.readString() else {
            throw .malformed("the private section is truncated")
        }
        guard pk.count == 32, sk.count == 64 else { throw .malformed("ed25519 key material has the wrong length") }
        let padding = reader.remaining
        guard padding.count < blockSize, padding.enumerated().allSatisfy({ $0.element == UInt8($0.offset + 1) }) else {
            throw .malformed("the padding after the private key is wrong")
        }
        guard pk == publicKey.raw, Array(sk[32...]) == pk else {
            throw .malformed("the private key does not match the public key in the same file")
        }
        let signingKey: Curve25519.Signing.PrivateKey
        do {
            signingKey = try Curve25519.Signing.PrivateKey(rawRepresentation: sk[0..<32])
        } catch {
            throw .malformed("the ed25519 seed is not usable")
        }
        guard Array(signingKey.publicKey.rawRepresentation) == pk else {
            throw .malformed("the private key does not match the public key in the same file")
        }
        return OpenSSHPrivateKey(signingKey: signingKey, comment: String(decoding: commentBytes, as: UTF8.self))
    }

    /// The private section (check integers, key, comment, padding to `blockSize`).
    func privateSection(blockSize: Int, check: UInt32) -> [UInt8] {
        var writer = SSHWriter()
        writer.writeUInt32(check)
        writer.writeUInt32(check)
        writer.writeString(SSHPublicKey.algorithm)
        writer.writeString(publicKey.raw)
        writer.writeString(Array(signingKey.rawRepresentation) + publicKey.raw)
        writer.writeString(comment)
        var padding: UInt8 = 1
        while writer.bytes.count % blockSize != 0 {
            writer.write([padding])
            padding += 1
        }
        return writer.bytes
    }

    /// The unencrypted file, byte-compatible with what ssh-keygen writes for `-N ""`.
    public func serialized() -> String {
        var writer = SSHWriter()
        writer.write(OpenSSHPrivateKey.magic)
        writer.writeString("none")
        writer.writeString("none")
        writer.writeString([UInt8]())
        writer.writeUInt32(1)
        writer.writeString(publicKey.blob)
        writer.writeString(privateSection(blockSize: 8, check: UInt32.random(in: 0...UInt32.max)))
        return Armor.wrap(writer.bytes, label: OpenSSHPrivateKey.label, width: 70)
    }
}
