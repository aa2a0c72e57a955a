import Crypto
import Foundation
import PatBcrypt
import _CryptoExtras

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

    /// The cipher and kdf that ssh-keygen uses for a passphrase, the only protected form pat reads and writes.
    public static let cipherName = "aes256-ctr"
    public static let kdfName = "bcrypt"
    /// OpenSSH 9.2's default bcrypt rounds.
    public static let defaultRounds = 16

    /// What a key file says about itself before any passphrase is needed.
    public struct FileInfo: Sendable {
        public let publicKey: SSHPublicKey
        public let cipher: String
        public let kdf: String
        public var isEncrypted: Bool { cipher != "none" }
        let kdfOptions: [UInt8]
        let privateSection: [UInt8]
    }

    public static func readFile(_ path: String) throws(SSHKeyError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not a readable text file" : "no such file"
            throw .unreadable(path, reason)
        }
    }

    public static func load(path: String, passphrase: String? = nil) throws(SSHKeyError) -> OpenSSHPrivateKey {
        try parse(try readFile(path), passphrase: passphrase)
    }

    /// Reads the unencrypted header: the public key and how the private part is protected.
    public static func inspect(_ text: String) throws(SSHKeyError) -> FileInfo {
        guard let bytes = Armor.unwrap(text, label: label) else { throw .notOpenSSHKey }
        var reader = SSHReader(bytes)
        guard reader.readBytes(magic.count) == magic else { throw .malformed("wrong magic (not openssh-key-v1)") }
        guard let cipher = reader.readText(), let kdf = reader.readText(), let kdfOptions = reader.readString(),
              let count = reader.readUInt32() else { throw .malformed("the header is truncated") }
        let plain = cipher == "none" && kdf == "none"
        // Checked first: other ciphers (chacha20-poly1305 appends a tag) lay the rest of the file out differently.
        guard plain || (cipher == cipherName && kdf == kdfName) else { throw .unsupportedEncryption(cipher: cipher, kdf: kdf) }
        guard count == 1 else { throw .malformed("the file holds \(count) keys; pat reads files with exactly one") }
        guard let publicBlob = reader.readString(), let privateSection = reader.readString() else {
            throw .malformed("the key sections are truncated")
        }
        guard reader.isAtEnd else { throw .malformed("trailing bytes after the private section") }
        let publicKey = try SSHPublicKey(blob: publicBlob)
        return FileInfo(publicKey: publicKey, cipher: cipher, kdf: kdf, kdfOptions: kdfOptions, privateSection: privateSection)
    }

    /// Parses a key file; a protected one needs its passphrase.
    public static func parse(_ text: String, passphrase: String? = nil) throws(SSHKeyError) -> OpenSSHPrivateKey {
        let info = try inspect(text)
        guard info.isEncrypted else { return try parsePrivateSection(info.privateSection, publicKey: info.publicKey, blockSize: 8) }
        guard let passphrase else { throw .passphraseRequired }
        guard !passphrase.isEmpty else { throw .emptyPassphrase }
        var options = SSHReader(info.kdfOptions)
        guard let salt = options.readString(), let rounds = options.readUInt32(), options.isAtEnd, !salt.isEmpty,
              (1...100_000).contains(rounds) else { throw .malformed("the bcrypt salt or rounds are invalid") }
        guard info.privateSection.count % 16 == 0 else { throw .malformed("the private section is not a whole number of AES blocks") }
        let plain = try crypt(info.privateSection, passphrase: passphrase, salt: salt, rounds: Int(rounds))
        do {
            return try parsePrivateSection(plain, publicKey: info.publicKey, blockSize: 16)
        } catch SSHKeyError.malformed(let reason) where reason.hasPrefix("the check integers differ") {
            throw .wrongPassphrase
        }
    }

    /// AES-256-CTR with key and IV from bcrypt_pbkdf (CTR: the same operation both ways).
    static func crypt(_ data: [UInt8], passphrase: String, salt: [UInt8], rounds: Int) throws(SSHKeyError) -> [UInt8] {
        do {
            let material = try BcryptPBKDF.derive(password: Array(passphrase.utf8), salt: salt, rounds: rounds, keyLength: 48)
            let nonce = try AES._CTR.Nonce(nonceBytes: material[32..<48])
            return Array(try AES._CTR.encrypt(data, using: SymmetricKey(data: material[0..<32]), nonce: nonce))
        } catch {
            throw .malformed("cannot decrypt the private section: \(error)")
        }
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

    /// The key file as ssh-keygen writes it: unencrypted for a nil passphrase (`-N ""`), else aes256-ctr with a
    /// bcrypt_pbkdf key from a fresh 16-byte salt.
    public func serialized(passphrase: String? = nil, rounds: Int = defaultRounds) throws(SSHKeyError) -> String {
        var writer = SSHWriter()
        writer.write(OpenSSHPrivateKey.magic)
        let check = UInt32.random(in: 0...UInt32.max)
        if let passphrase {
            guard !passphrase.isEmpty else { throw .emptyPassphrase }
            var salt = [UInt8](repeating: 0, count: 16)
            var generator = SystemRandomNumberGenerator()
            for index in salt.indices { salt[index] = generator.next() }
            var options = SSHWriter()
            options.writeString(salt)
            options.writeUInt32(UInt32(rounds))
            writer.writeString(OpenSSHPrivateKey.cipherName)
            writer.writeString(OpenSSHPrivateKey.kdfName)
            writer.writeString(options.bytes)
            writer.writeUInt32(1)
            writer.writeString(publicKey.blob)
            writer.writeString(try OpenSSHPrivateKey.crypt(privateSection(blockSize: 16, check: check), passphrase: passphrase,
                                                           salt: salt, rounds: rounds))
        } else {
            writer.writeString("none")
            writer.writeString("none")
            writer.writeString([UInt8]())
            writer.writeUInt32(1)
            writer.writeString(publicKey.blob)
            writer.writeString(privateSection(blockSize: 8, check: check))
        }
        return Armor.wrap(writer.bytes, label: OpenSSHPrivateKey.label, width: 70)
    }
}
