import Foundation
import PatSSH
import PatStore

/// Turns a key path into a signer: through ssh-agent when it holds the key, else by unlocking the file
/// with its password. An unprotected key signs only with --no-password.
enum SignerUnlock {
    static func signer(keyPath: String, password: PasswordInput, allowUnprotected: Bool,
                       agent: SSHAgentClient? = SSHAgentClient.fromEnvironment()) throws -> any SSHSigner {
        let text: String
        do { text = try OpenSSHPrivateKey.readFile(keyPath) } catch { throw StoreError.key(path: keyPath, error) }

        let info: OpenSSHPrivateKey.FileInfo
        do {
            switch try KeyFileContents.read(text) {
            case .privateKey(let read): info = read
            // A public key names a key that only the agent has (a hardware token, say).
            case .publicKey(let publicKey):
                guard let agent, (try agent.identities()).contains(publicKey) else {
                    throw StoreError.password("signing key \(keyPath) is a public key, and no ssh-agent ($SSH_AUTH_SOCK) holds its private half")
                }
                return AgentSigner(agent: agent, publicKey: publicKey)
            }
        } catch let error as SSHKeyError {
            throw StoreError.key(path: keyPath, error)
        }
        if let agent, (try? agent.identities())?.contains(info.publicKey) == true {
            return AgentSigner(agent: agent, publicKey: info.publicKey)
        }
        if !info.isEncrypted {
            guard allowUnprotected else { throw StoreError.unprotectedKey(keyPath) }
            Console.note("pat: note: signing with \(keyPath), which has no password (--no-password)")
            do { return try OpenSSHPrivateKey.parse(text) } catch { throw StoreError.key(path: keyPath, error) }
        }
        let passphrase = try password.read(prompt: "Password for \(keyPath): ")
        do { return try OpenSSHPrivateKey.parse(text, passphrase: passphrase) } catch { throw StoreError.key(path: keyPath, error) }
    }
}
