import Crypto
import Foundation

/// Anything that can make an ssh-ed25519 signature: a key file today, an agent later.
public protocol SSHSigner: Sendable {
    var publicKey: SSHPublicKey { get }
    func signature(for data: [UInt8]) throws -> [UInt8]
}

extension OpenSSHPrivateKey: SSHSigner {
    public func signature(for data: [UInt8]) throws -> [UInt8] { Array(try signingKey.signature(for: data)) }
}

/// An SSHSIG signature (OpenSSH PROTOCOL.sshsig), the format `git commit -S` writes with gpg.format=ssh.
public struct SSHSignature: Equatable, Sendable {
    static let magic = Array("SSHSIG".utf8)
    static let label = "SSH SIGNATURE"
    public static let gitNamespace = "git"

    public let publicKey: SSHPublicKey
    public let namespace: String
    public let hashAlgorithm: String
    public let signature: [UInt8]

    /// Signs `message` the way `ssh-keygen -Y sign -n NAMESPACE` does, with sha512.
    public static func sign(_ message: [UInt8], namespace: String = gitNamespace, with signer: SSHSigner) throws -> SSHSignature {
        let toSign = signedData(message: message, namespace: namespace, hashAlgorithm: "sha512")
        return SSHSignature(publicKey: signer.publicKey, namespace: namespace, hashAlgorithm: "sha512",
                            signature: try signer.signature(for: toSign))
    }

    /// "SSHSIG" | string namespace | string reserved | string hash-alg | string H(message).
    static func signedData(message: [UInt8], namespace: String, hashAlgorithm: String) -> [UInt8] {
        var writer = SSHWriter()
        writer.write(magic)
        writer.writeString(namespace)
        writer.writeString([UInt8]())
        writer.writeString(hashAlgorithm)
        switch hashAlgorithm {
        case "sha256": writer.writeString(Array(SHA256.hash(data: message)))
        default: writer.writeString(Array(SHA512.hash(data: message)))
        }
        return writer.bytes
    }

    public var blob: [UInt8] {
        var inner = SSHWriter()
        inner.writeString(SSHPublicKey.algorithm)
        inner.writeString(signature)
        var writer = SSHWriter()
        writer.write(SSHSignature.magic)
        writer.writeUInt32(1)
        writer.writeString(publicKey.blob)
        writer.writeString(namespace)
        writer.writeString([UInt8]())
        writer.writeString(hashAlgorithm)
        writer.writeString(inner.bytes)
        return writer.bytes
    }

    /// The armored form, ending in a newline as ssh-keygen writes it.
    public var armored: String { Armor.wrap(blob, label: SSHSignature.label, width: 70) }

    /// Parses an armored signature strictly: version 1, known hash, ed25519 only, no trailing bytes.
    public static func parse(armored text: String) throws(SSHSignatureError) -> SSHSignature {
        guard let bytes = Armor.unwrap(text, label: label) else { throw .notArmored }
        var reader = SSHReader(bytes)
        guard reader.readBytes(6) == magic else { throw .malformed("wrong magic") }
        guard let version = reader.readUInt32() else { throw .malformed("truncated") }
        guard version == 1 else { throw .unsupportedVersion(version) }
        guard let keyBlob = reader.readString(), let namespace = reader.readText(), let reserved = reader.readString(),
              let hash = reader.readText(), let inner = reader.readString() else { throw .malformed("truncated") }
        guard reader.isAtEnd else { throw .malformed("trailing bytes") }
        guard reserved.isEmpty else { throw .malformed("the reserved field is not empty") }
        guard hash == "sha512" || hash == "sha256" else { throw .unsupportedHash(hash) }
        let key: SSHPublicKey
        do { key = try SSHPublicKey(blob: keyBlob) } catch { throw .unsupportedKey(error.description) }
        var innerReader = SSHReader(inner)
        guard let type = innerReader.readText(), let raw = innerReader.readString(), innerReader.isAtEnd else {
            throw .malformed("the signature blob is truncated or has trailing bytes")
        }
        guard type == SSHPublicKey.algorithm, raw.count == 64 else { throw .malformed("not an ssh-ed25519 signature") }
        return SSHSignature(publicKey: key, namespace: namespace, hashAlgorithm: hash, signature: raw)
    }

    /// True when the signature is over `message` in `namespace` by this signature's key.
    public func isValid(for message: [UInt8], namespace expected: String = gitNamespace) -> Bool {
        guard namespace == expected else { return false }
        return publicKey.isValidSignature(signature, for: SSHSignature.signedData(message: message, namespace: namespace,
                                                                                 hashAlgorithm: hashAlgorithm))
    }
}

public enum SSHSignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    case notArmored
    case malformed(String)
    case unsupportedVersion(UInt32)
    case unsupportedHash(String)
    case unsupportedKey(String)

    public var description: String {
        switch self {
        case .notArmored: "not an armored SSH signature"
        case .malformed(let reason): "malformed SSH signature: \(reason)"
        case .unsupportedVersion(let version): "SSH signature version \(version) is not supported"
        case .unsupportedHash(let hash): "SSH signature hash \(hash) is not allowed"
        case .unsupportedKey(let reason): "SSH signature key: \(reason)"
        }
    }
}
