import Crypto
import Foundation

/// An ssh-ed25519 public key, the only key type pat signs or trusts.
public struct SSHPublicKey: Hashable, Sendable {
    public static let algorithm = "ssh-ed25519"
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws(SSHKeyError) {
        guard raw.count == 32 else { throw .malformed("an ed25519 public key is 32 bytes, found \(raw.count)") }
        self.raw = raw
    }

    /// From the wire blob: string "ssh-ed25519" | string key(32).
    public init(blob: [UInt8]) throws(SSHKeyError) {
        var reader = SSHReader(blob)
        guard let type = reader.readText() else { throw .malformed("the public key blob is truncated") }
        guard type == SSHPublicKey.algorithm else { throw .unsupportedKeyType(type) }
        guard let key = reader.readString(), reader.isAtEnd else { throw .malformed("the public key blob is truncated or has trailing bytes") }
        try self.init(raw: key)
    }

    /// From an authorized_keys style line: `ssh-ed25519 AAAA... [comment]`.
    public init(line: String) throws(SSHKeyError) {
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2 else { throw .malformed("expected 'ssh-ed25519 BASE64 [comment]'") }
        guard fields[0] == SSHPublicKey.algorithm else { throw .unsupportedKeyType(String(fields[0])) }
        guard let blob = Data(base64Encoded: String(fields[1])) else { throw .malformed("the key is not base64") }
        try self.init(blob: Array(blob))
    }

    public var blob: [UInt8] {
        var writer = SSHWriter()
        writer.writeString(SSHPublicKey.algorithm)
        writer.writeString(raw)
        return writer.bytes
    }

    /// `ssh-ed25519 AAAA...`
    public var line: String { "\(SSHPublicKey.algorithm) \(Data(blob).base64EncodedString())" }

    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    public var fingerprint: String {
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

public enum SSHKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(String, String)
    case notOpenSSHKey
    case malformed(String)
    case unsupportedKeyType(String)
    /// A key of another type (`ssh-rsa`) in a file of the given kind (`public key`, `private key`).
    case notEd25519(type: String, kind: String)
    case notAKeyFile
    case unsupportedEncryption(cipher: String, kdf: String)
    case passphraseRequired
    case wrongPassphrase
    case emptyPassphrase

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read key file \(path): \(reason)"
        case .notOpenSSHKey: "not an OpenSSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----)"
        case .malformed(let reason): "malformed key: \(reason)"
        case .unsupportedKeyType(let type): "unsupported key type \(type): pat signs with ssh-ed25519 keys only"
        case .notEd25519(let type, let kind): "only ssh-ed25519 keys are supported; this is \(Self.article(type)) \(type) \(kind)"
        case .notAKeyFile:
            "not an SSH key file (expected a public key line, ssh-ed25519 AAAA..., or -----BEGIN OPENSSH PRIVATE KEY-----)"
        case .unsupportedEncryption(let cipher, let kdf):
            "the key is protected with cipher \(cipher) and kdf \(kdf); pat reads unprotected keys and keys protected with aes256-ctr and bcrypt, as ssh-keygen makes them"
        case .passphraseRequired: "the key is protected by a password, and none was given"
        case .wrongPassphrase: "wrong password for the key"
        case .emptyPassphrase: "the password is empty"
        }
    }

    /// "an ssh-rsa", "an ecdsa-...": key type names are read letter by letter, and these letters' names begin
    /// with a vowel sound.
    public static func article(_ type: String) -> String {
        guard let first = type.lowercased().first else { return "a" }
        return "aefhilmnorsx".contains(first) ? "an" : "a"
    }
}
