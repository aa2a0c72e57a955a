import Foundation

/// What a key file holds, public or private, before any password is needed: an ed25519 key pat can use, or the
/// precise reason it cannot (another key type, another format).
public enum KeyFileContents: Sendable {
    /// A public key line (`ssh-ed25519 AAAA... comment`, as in id_ed25519.pub).
    case publicKey(SSHPublicKey)
    /// An OpenSSH private key file, as far as it can be read without its password.
    case privateKey(OpenSSHPrivateKey.FileInfo)

    public var publicKey: SSHPublicKey {
        switch self {
        case .publicKey(let key): key
        case .privateKey(let info): info.publicKey
        }
    }

    /// PEM private key labels, and the key type each holds (`ssh-keygen -m PEM` and OpenSSL write them).
    static let pemTypes = ["RSA PRIVATE KEY": "ssh-rsa", "EC PRIVATE KEY": "ecdsa", "DSA PRIVATE KEY": "ssh-dss"]

    public static func read(_ text: String) throws(SSHKeyError) -> KeyFileContents {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN ") {
            let label = trimmed.dropFirst("-----BEGIN ".count).prefix { $0 != "-" && !$0.isNewline }
            if let type = pemTypes[String(label)] { throw .notEd25519(type: type, kind: "private key in PEM format") }
            do {
                return .privateKey(try OpenSSHPrivateKey.inspect(text))
            } catch .unsupportedKeyType(let type) {
                throw .notEd25519(type: type, kind: "private key")
            }
        }
        let line = trimmed.prefix { !$0.isNewline }
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, isKeyTypeName(fields[0]) else { throw .notAKeyFile }
        do {
            return .publicKey(try SSHPublicKey(line: String(line)))
        } catch .unsupportedKeyType(let type) {
            throw .notEd25519(type: type, kind: "public key")
        }
    }

    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `sk-ssh-ed25519@openssh.com`, `ssh-rsa-cert-v01@openssh.com`...
    static func isKeyTypeName(_ name: Substring) -> Bool {
        (name.hasPrefix("ssh-") || name.hasPrefix("ecdsa-") || name.hasPrefix("sk-"))
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-@.".contains($0)) }
    }
}
