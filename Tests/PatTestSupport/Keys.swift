import Foundation
import PatSSH

/// Makes an unencrypted ed25519 key with the real ssh-keygen and returns its path.
public func sshKeygen(in directory: TemporaryDirectory, name: String = "id_ed25519", comment: String = "alice@example.com",
                      type: String = "ed25519", passphrase: String = "", extra: [String] = []) throws -> String {
    let path = directory.file(name)
    let result = try run("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", comment, "-f", path] + extra)
    guard result.status == 0 else { throw MissingTool(name: "ssh-keygen (\(result.stderr))") }
    return path
}

/// Writes a key made in-process (faster than ssh-keygen when the test is not about interop).
public func writeKey(in directory: TemporaryDirectory, name: String = "id_ed25519", comment: String = "alice@example.com") throws -> (path: String, key: OpenSSHPrivateKey) {
    let key = OpenSSHPrivateKey.generate(comment: comment)
    let path = directory.file(name)
    try key.serialized().write(toFile: path, atomically: true, encoding: .utf8)
    // ssh-keygen (and so git) refuse private keys that others can read.
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    return (path, key)
}
