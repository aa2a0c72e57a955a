import CLibGit2
import Foundation

/// How pat writes the objects of a change: loose files holding the object in zlib *stored* blocks, exactly what
/// git itself writes with `core.looseCompression=0`, and readable by git and libgit2 like any loose object.
///
/// Why not libgit2's writer: it always deflates (its loose backend cannot be told level 0), and pat's objects do
/// not compress. A shard tree at 100,000 tokens is ~390 entries of mostly SHA-1s (about 19 KB, which deflate
/// shrinks by a quarter at best), and deflating it and the `tokens/` tree was the larger part of a write's cost at
/// that size. `git gc` packs and compresses loose objects as usual.
enum LooseObject {
    /// The object file's content: the zlib stream of `type size\0content` in stored blocks.
    static func encode(type: String, content: [UInt8]) -> [UInt8] {
        let payload = Array("\(type) \(content.count)\0".utf8) + content
        var out = [UInt8]()
        out.reserveCapacity(payload.count + 2 + 5 * (payload.count / 65_535 + 1) + 4)
        out += [0x78, 0x01]  // deflate, 32K window, no preset dictionary, "fastest": (0x78 * 256 + 0x01) % 31 == 0
        // Blocks of at most 65,535 bytes; the last is marked final.
        var offset = 0
        repeat {
            let length = min(payload.count - offset, 65_535)
            out.append(offset + length == payload.count ? 0x01 : 0x00)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += payload[offset..<(offset + length)]
            offset += length
        } while offset < payload.count
        var adler = Adler32()
        adler.update(payload)
        let checksum = adler.value
        out += [UInt8(checksum >> 24), UInt8((checksum >> 16) & 0xFF), UInt8((checksum >> 8) & 0xFF), UInt8(checksum & 0xFF)]
        return out
    }

    /// Writes the object under `objects/` unless it is there already (then it is freshened, as git does, so a
    /// `git gc` grace period counts from now). Atomic: a temporary file in the same folder, renamed into place.
    static func write(type: git_object_t, content: [UInt8], objectsDirectory: String) throws(GitError) -> ObjectID {
        var oid = git_oid()
        try check(content.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, type) }, "hash object")
        let id = ObjectID(oid)
        let hex = id.hex
        let folder = objectsDirectory + "/" + hex.prefix(2)
        let path = folder + "/" + hex.dropFirst(2)
        if access(path, F_OK) == 0 {
            utimes(path, nil)
            return id
        }
        if mkdir(folder, 0o755) != 0, errno != EEXIST { throw failure("create \(folder)") }
        var template = Array((folder + "/tmp_obj_XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("create a temporary object in \(folder)") }
        let temporary = String(cString: template)
        let bytes = encode(type: String(cString: git_object_type2string(type)), content: content)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let wroteAll = written == bytes.count && fchmod(descriptor, 0o444) == 0
        let closed = close(descriptor) == 0
        guard wroteAll, closed, rename(temporary, path) == 0 else {
            let error = failure("write object \(id.short)")
            unlink(temporary)
            throw error
        }
        return id
    }

    private static func failure(_ operation: String) -> GitError {
        GitError(code: -1, operation: operation, message: String(cString: strerror(errno)))
    }
}

/// RFC 1950's checksum of the uncompressed data, which closes every zlib stream.
struct Adler32 {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    mutating func update(_ array: [UInt8]) {
        array.withUnsafeBufferPointer { update($0) }
    }

    mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that can be summed before the 32-bit sums must be reduced.
            let end = min(index + 5552, bytes.count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= 65_521
            b %= 65_521
        }
    }

    var value: UInt32 { b << 16 | a }
}
