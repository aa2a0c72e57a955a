import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writing key files: private keys readable by their owner only (0600), replaced in one rename so a crash
/// never leaves half a key, with the public half beside them in `<path>.pub` as ssh-keygen does.
public enum KeyFiles {
    public static func write(_ key: OpenSSHPrivateKey, passphrase: String?, to path: String) throws {
        let text = try key.serialized(passphrase: passphrase)
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try replace(path, with: text, mode: 0o600)
        try replace(path + ".pub", with: key.publicKey.line + " " + key.comment + "\n", mode: 0o644)
    }

    static func replace(_ path: String, with text: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw SSHKeyError.unreadable(path, "cannot write: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SSHKeyError.unreadable(path, "cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
