import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes token values to a new file readable by its owner only (mode 0600), never over an existing one.
public enum SecretFile {
    /// Checked before the commit, so a value is never committed when it could not be handed over.
    public static func checkWritable(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path) { throw StoreError.outputExists(path) }
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw StoreError.outputFailed(path, "the folder \(directory) does not exist or is not writable")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw StoreError.outputExists(path) }
            throw StoreError.outputFailed(path, String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw StoreError.outputFailed(path, String(cString: strerror(errno))) }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw StoreError.outputFailed(path, String(cString: strerror(errno))) }
    }
}
