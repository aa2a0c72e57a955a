import CLibGit2
import CZlib
import Foundation

/// Why a loose object file cannot be read, in words that name the damage.
struct LooseObjectDamage: Error, Equatable {
    let reason: String
}

extension LooseObject {
    /// The largest header git writes: "commit " plus a 20-digit size and the NUL.
    static let maximumHeaderLength = 32

    /// Inflates a whole loose object file and checks it the way git does: a known type, a decimal size, exactly that
    /// many bytes of content, a complete zlib stream (its checksum included) and nothing after it.
    ///
    /// libgit2 1.5 does none of the completeness checks: on a truncated file its inflate loop makes no progress and
    /// never ends (libgit2#7342, fixed upstream by #7346, after the 1.5 that Debian ships).
    static func decode(_ file: UnsafeRawBufferPointer,
                       allocate: (Int) -> UnsafeMutableRawPointer?) throws(LooseObjectDamage) -> (type: git_object_t, content: UnsafeMutableRawPointer, size: Int) {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LooseObjectDamage(reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        guard let input = file.baseAddress, file.count > 0 else { throw LooseObjectDamage(reason: "the file is empty") }
        stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(clamping: file.count)

        let (type, size) = try inflateHeader(&stream)
        // deflate shrinks by 1032:1 at most: a larger declared size is a lie, and would only waste an allocation.
        guard size <= file.count * 1032 + 64 else {
            throw LooseObjectDamage(reason: "its header declares \(size) bytes, more than its \(file.count)-byte file can hold")
        }
        // One extra byte of room: content beyond the declared size shows up there instead of being silently cut.
        guard let buffer = allocate(size + 1) else { throw LooseObjectDamage(reason: "no memory for \(size) bytes") }
        var complete = false
        var status: Int32 = Z_OK
        stream.next_out = buffer.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(clamping: size + 1)
        let capacity = stream.avail_out
        repeat {
            let before = (stream.avail_in, stream.avail_out)
            status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END { complete = true; break }
            // No progress: the input ended before the stream did (or the data is bad).
            if status != Z_OK || (stream.avail_in, stream.avail_out) == before { break }
        } while stream.avail_out > 0 && stream.avail_in > 0
        let produced = Int(capacity - stream.avail_out)
        func fail(_ reason: String) -> LooseObjectDamage {
            free(buffer)
            return LooseObjectDamage(reason: reason)
        }
        guard produced <= size else { throw fail("its content is longer than the \(size) bytes its header declares") }
        guard complete else {
            if produced < size || stream.avail_in == 0 {
                throw fail(status == Z_DATA_ERROR ? "its compressed data is damaged" + zlibMessage(stream)
                           : "the file ends after \(produced) of its \(size) bytes (truncated)")
            }
            throw fail("its compressed data is damaged" + zlibMessage(stream))
        }
        guard produced == size else { throw fail("it holds \(produced) bytes where its header declares \(size)") }
        guard stream.avail_in == 0 else { throw fail("\(stream.avail_in) bytes of garbage follow its compressed data") }
        buffer.storeBytes(of: 0, toByteOffset: size, as: UInt8.self)
        return (type, buffer, size)
    }

    /// The type and declared size from the first bytes of an object file, which need not be all of it. A valid
    /// stream's header is always in its first `headerWindow` bytes (a deflate block's own header is at most some
    /// 300 bytes).
    static func header(_ prefix: UnsafeRawBufferPointer) throws(LooseObjectDamage) -> (type: git_object_t, size: Int) {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LooseObjectDamage(reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        guard let input = prefix.baseAddress, prefix.count > 0 else { throw LooseObjectDamage(reason: "the file is empty") }
        stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(clamping: prefix.count)
        return try inflateHeader(&stream)
    }

    static let headerWindow = 4096

    /// The most bytes a zlib stream of `size` content bytes (plus header) takes, with room to spare: zlib's own
    /// bound is a quarter per mille over the content, stored blocks take 5 bytes per 64 KiB.
    static func largestFile(forContent size: Int) -> Int {
        size + size / 64 + 1024
    }

    /// The header, one byte at a time up to its NUL: no content byte is inflated into the wrong buffer.
    private static func inflateHeader(_ stream: inout z_stream) throws(LooseObjectDamage) -> (git_object_t, Int) {
        var header: [UInt8] = []
        var byte: UInt8 = 0
        while header.last != 0 || header.isEmpty {
            guard header.count < maximumHeaderLength else { throw LooseObjectDamage(reason: "its header does not end") }
            let status = withUnsafeMutablePointer(to: &byte) { pointer -> Int32 in
                stream.next_out = pointer
                stream.avail_out = 1
                return inflate(&stream, Z_NO_FLUSH)
            }
            if stream.avail_out != 0 { throw damage(status, stream, "inside its header") }
            header.append(byte)
        }
        return try parseHeader(header.dropLast())
    }

    private static func damage(_ status: Int32, _ stream: z_stream, _ place: String) -> LooseObjectDamage {
        if status == Z_DATA_ERROR || status == Z_NEED_DICT { return LooseObjectDamage(reason: "its compressed data is damaged" + zlibMessage(stream)) }
        if status == Z_STREAM_END { return LooseObjectDamage(reason: "its compressed data ends \(place)") }
        return LooseObjectDamage(reason: "the file ends \(place) (truncated)")
    }

    private static func zlibMessage(_ stream: z_stream) -> String {
        stream.msg.map { " (zlib: \(String(cString: $0)))" } ?? ""
    }

    /// `type size`, exactly as git writes it: a known type, one space, a decimal size without leading zeros.
    static func parseHeader(_ header: ArraySlice<UInt8>) throws(LooseObjectDamage) -> (git_object_t, Int) {
        guard let space = header.firstIndex(of: 0x20) else { throw LooseObjectDamage(reason: "its header has no size") }
        let name = String(decoding: header[..<space], as: UTF8.self)
        let type: git_object_t = switch name {
        case "commit": GIT_OBJECT_COMMIT
        case "tree": GIT_OBJECT_TREE
        case "blob": GIT_OBJECT_BLOB
        case "tag": GIT_OBJECT_TAG
        default: throw LooseObjectDamage(reason: "its header names no object type")
        }
        let digits = header[(space + 1)...]
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              digits.first != 0x30 || digits.count == 1 else {
            throw LooseObjectDamage(reason: "its header's size is not a number")
        }
        return (type, digits.reduce(0) { $0 * 10 + Int($1 - 0x30) })
    }
}

/// pat's reader for loose objects, put in front of libgit2's own loose backends in the repository's object
/// database, so that every read anywhere in libgit2 (revwalks, tree lookups, commit parsing) inflates loose objects
/// here: those of the repository's `objects/` folder and of every folder its alternates name, which libgit2 reads
/// with the same loop. An object it cannot find is left to libgit2's other backends (packs); a damaged one is taken
/// from a pack when one holds it (git itself prefers packs), and otherwise fails the read with an error naming it
/// and the damage. libgit2 still checks the content's hash.
enum LooseObjectGuard {
    /// Above libgit2's packs (2) and loose objects (1): asked first.
    static let priority: Int32 = 10
    /// How deep alternates may name alternates: libgit2's and git's limit.
    static let maximumAlternateDepth = 5

    static func install(in repository: OpaquePointer, objectsDirectory: String) throws(GitError) {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository), "open object database")
        defer { git_odb_free(odb) }
        var seen: Set<String> = [canonical(objectsDirectory)]
        let folders = [objectsDirectory] + alternates(of: objectsDirectory, depth: 1, seen: &seen)
        let backend = GuardBackend.make(folders: folders)
        do { try check(git_odb_add_backend(odb, backend, priority), "add pat's loose object reader") } catch {
            GuardBackend.destroy(backend)
            throw error
        }
    }

    /// The object folders that `info/alternates` names, and the ones they name in turn, read the way libgit2 reads
    /// them: one path per line, `#` comments and empty lines skipped, relative paths from the naming folder.
    static func alternates(of folder: String, depth: Int, seen: inout Set<String>) -> [String] {
        guard depth <= maximumAlternateDepth,
              let text = try? String(contentsOfFile: folder + "/info/alternates", encoding: .utf8) else { return [] }
        var found: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let entry = String(line)
            guard !entry.hasPrefix("#"), !entry.isEmpty else { continue }
            let path = entry.hasPrefix("/") ? entry : folder + "/" + entry
            guard seen.insert(canonical(path)).inserted else { continue }
            found.append(path)
            found += alternates(of: path, depth: depth + 1, seen: &seen)
        }
        return found
    }

    private static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// What a guard knows: the object folders it reads, the repository's own first.
private final class GuardFolders {
    let folders: [String]
    init(_ folders: [String]) { self.folders = folders }
}

/// The backend's memory: libgit2's struct first (libgit2 passes pointers to it), then the retained folder list.
private enum GuardBackend {
    static let stateOffset = (MemoryLayout<git_odb_backend>.size + 15) & ~15

    static func make(folders: [String]) -> UnsafeMutablePointer<git_odb_backend> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stateOffset + MemoryLayout<UnsafeMutableRawPointer>.size,
                                                   alignment: 16)
        let backend = raw.bindMemory(to: git_odb_backend.self, capacity: 1)
        git_odb_init_backend(backend, UInt32(GIT_ODB_BACKEND_VERSION))
        (raw + stateOffset).storeBytes(of: Unmanaged.passRetained(GuardFolders(folders)).toOpaque(), as: UnsafeMutableRawPointer.self)
        backend.pointee.read = { data, length, type, backend, oid in
            guard let data, let length, let type, let backend, let oid else { return GIT_ERROR.rawValue }
            return GuardBackend.read(backend, ObjectID(oid.pointee), data, length, type)
        }
        backend.pointee.read_prefix = { found, data, length, type, backend, prefix, hexLength in
            guard let found, let data, let length, let type, let backend, let prefix else { return GIT_ERROR.rawValue }
            return GuardBackend.readPrefix(backend, prefix.pointee, hexLength, found, data, length, type)
        }
        backend.pointee.free = { backend in if let backend { GuardBackend.destroy(backend) } }
        return backend
    }

    static func destroy(_ backend: UnsafeMutablePointer<git_odb_backend>) {
        Unmanaged<GuardFolders>.fromOpaque((UnsafeMutableRawPointer(backend) + stateOffset).load(as: UnsafeMutableRawPointer.self))
            .release()
        UnsafeMutableRawPointer(backend).deallocate()
    }

    static func folders(_ backend: UnsafeMutablePointer<git_odb_backend>) -> [String] {
        Unmanaged<GuardFolders>.fromOpaque((UnsafeMutableRawPointer(backend) + stateOffset).load(as: UnsafeMutableRawPointer.self))
            .takeUnretainedValue().folders
    }

    /// The object from the first folder that has it as a loose file; not found when none has.
    static func read(_ backend: UnsafeMutablePointer<git_odb_backend>, _ id: ObjectID,
                     _ data: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ length: UnsafeMutablePointer<Int>,
                     _ type: UnsafeMutablePointer<git_object_t>) -> Int32 {
        let all = folders(backend)
        for folder in all {
            let code = read(backend, folder, id, data, length, type)
            if code == GIT_ENOTFOUND.rawValue { continue }
            if code != 0, readPacked(backend, all, id, data, length, type) { return 0 }
            return code
        }
        return GIT_ENOTFOUND.rawValue
    }

    /// A loose object that cannot be read may still be in a pack, where git itself looks first.
    static func readPacked(_ backend: UnsafeMutablePointer<git_odb_backend>, _ folders: [String], _ id: ObjectID,
                           _ data: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ length: UnsafeMutablePointer<Int>,
                           _ type: UnsafeMutablePointer<git_object_t>) -> Bool {
        let saved = git_error_last().map { (klass: $0.pointee.klass, message: String(cString: $0.pointee.message)) }
        defer { if let saved { git_error_set_str(saved.klass, saved.message) } }
        var packs: OpaquePointer?
        guard git_odb_new(&packs) == 0 else { return false }
        defer { git_odb_free(packs) }
        for folder in folders {
            var pack: UnsafeMutablePointer<git_odb_backend>?
            guard git_odb_backend_pack(&pack, folder) == 0, let pack else { continue }
            if git_odb_add_backend(packs, pack, 1) != 0 { pack.pointee.free(pack) }
        }
        var oid = id.raw
        var object: OpaquePointer?
        guard git_odb_read(&object, packs, &oid) == 0 else { return false }
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        guard let copy = git_odb_backend_data_alloc(backend, size + 1) else { return false }
        if size > 0 { copy.copyMemory(from: git_odb_object_data(object), byteCount: size) }
        copy.storeBytes(of: 0, toByteOffset: size, as: UInt8.self)
        data.pointee = copy
        length.pointee = size
        type.pointee = git_odb_object_type(object)
        return true
    }

    static func read(_ backend: UnsafeMutablePointer<git_odb_backend>, _ folder: String, _ id: ObjectID,
                     _ data: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ length: UnsafeMutablePointer<Int>,
                     _ type: UnsafeMutablePointer<git_object_t>) -> Int32 {
        let hex = id.hex
        let path = folder + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
        // Non-blocking: a FIFO planted as an object must not block the open; only a regular file is read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return GIT_ENOTFOUND.rawValue }
            return fail("cannot open loose object \(hex): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            return fail("cannot read loose object \(hex): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            return fail("loose object \(hex) is damaged: its file is not a regular file")
        }
        let fileSize = Int(status.st_size)
        var failure: Int32 = 0
        func readAll(into buffer: UnsafeMutableRawPointer, from start: Int, to end: Int) -> Int {
            var count = start
            while count < end {
                let got = Foundation.read(descriptor, buffer + count, end - count)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno; break }
                if got == 0 { break }
                count += got
            }
            return count
        }
        // The header first: the size it declares bounds how much of the file is read, so a huge file posing as a
        // small object (or a header declaring more than the file can hold) is refused before it fills memory.
        var bytes = [UInt8](repeating: 0, count: min(fileSize, LooseObject.headerWindow))
        let prefixCount = bytes.withUnsafeMutableBytes { readAll(into: $0.baseAddress!, from: 0, to: $0.count) }
        if failure != 0 { return fail("cannot read loose object \(hex): \(String(cString: strerror(failure)))") }
        if prefixCount == bytes.count, fileSize > bytes.count {
            switch bytes.withUnsafeBytes({ prefix in Result { () throws(LooseObjectDamage) in try LooseObject.header(prefix) } }) {
            case .failure(let error):
                return damaged(hex, error.reason)
            case .success(let header) where fileSize > LooseObject.largestFile(forContent: header.size):
                return damaged(hex, "its file has \(fileSize) bytes, far more than the \(header.size) bytes its header declares can take")
            case .success:
                bytes += [UInt8](repeating: 0, count: fileSize - bytes.count)
                let count = bytes.withUnsafeMutableBytes { readAll(into: $0.baseAddress!, from: prefixCount, to: fileSize) }
                bytes.removeLast(fileSize - count)
            }
        } else {
            bytes.removeLast(bytes.count - prefixCount)
        }
        if failure != 0 { return fail("cannot read loose object \(hex): \(String(cString: strerror(failure)))") }
        let decoded = bytes.withUnsafeBytes { file in
            Result { () throws(LooseObjectDamage) in try LooseObject.decode(file) { git_odb_backend_data_alloc(backend, $0) } }
        }
        switch decoded {
        case .success(let object):
            data.pointee = object.content
            length.pointee = object.size
            type.pointee = object.type
            return 0
        case .failure(let error):
            return damaged(hex, error.reason)
        }
    }

    /// An abbreviated id: the one loose object whose name starts with it, read as above.
    static func readPrefix(_ backend: UnsafeMutablePointer<git_odb_backend>, _ prefix: git_oid, _ hexLength: Int,
                           _ found: UnsafeMutablePointer<git_oid>, _ data: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
                           _ length: UnsafeMutablePointer<Int>, _ type: UnsafeMutablePointer<git_object_t>) -> Int32 {
        let wanted = String(ObjectID(prefix).hex.prefix(hexLength))
        guard wanted.count >= 2 else { return GIT_ENOTFOUND.rawValue }
        let rest = wanted.dropFirst(2)
        let names = Set(folders(backend).flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + wanted.prefix(2))) ?? [])
                .filter { $0.count == 38 && $0.hasPrefix(rest) }
        })
        guard let name = names.first else { return GIT_ENOTFOUND.rawValue }
        guard names.count == 1 else { return GIT_EAMBIGUOUS.rawValue }
        guard let id = ObjectID(hex: String(wanted.prefix(2)) + name) else { return GIT_ENOTFOUND.rawValue }
        let code = read(backend, id, data, length, type)
        if code == 0 { found.pointee = id.raw }
        return code
    }

    private static func damaged(_ hex: String, _ reason: String) -> Int32 {
        fail("loose object \(hex) is damaged: \(reason) (git fsck lists every damaged object; restore them from a clone or backup of the store)")
    }

    private static func fail(_ message: String) -> Int32 {
        git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), message)
        return GIT_ERROR.rawValue
    }
}
