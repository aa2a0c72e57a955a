import Crypto

/// OpenBSD's bcrypt_pbkdf, the key derivation of passphrase-protected OpenSSH keys: PBKDF2-like rounds of a
/// bcrypt-based hash over SHA-512 of the passphrase and salt, with the output interleaved across blocks.
public enum BcryptPBKDF {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidParameters(String)
        public var description: String {
            switch self { case .invalidParameters(let reason): "bcrypt_pbkdf: \(reason)" }
        }
    }

    static let hashSize = 32
    /// bcrypt's magic block: encrypted 64 times with the expanded state.
    static let magic = Array("OxychromaticBlowfishSwatDynamite".utf8)

    public static func derive(password: [UInt8], salt: [UInt8], rounds: Int, keyLength: Int) throws -> [UInt8] {
        guard rounds >= 1 else { throw Failure.invalidParameters("rounds must be at least 1") }
        guard !password.isEmpty else { throw Failure.invalidParameters("the password is empty") }
        guard !salt.isEmpty, salt.count <= 1 << 20 else { throw Failure.invalidParameters("the salt must be 1 byte to 1 MiB") }
        guard keyLength > 0, keyLength <= hashSize * hashSize else {
            throw Failure.invalidParameters("the key length must be 1 to \(hashSize * hashSize) bytes")
        }
        let stride = (keyLength + hashSize - 1) / hashSize
        var amount = (keyLength + stride - 1) / stride
        let passwordHash = Array(SHA512.hash(data: password))
        var key = [UInt8](repeating: 0, count: keyLength)
        var remaining = keyLength
        var count: UInt32 = 1
        while remaining > 0 {
            let counter = [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
            var saltHash = Array(SHA512.hash(data: salt + counter))
            var roundOutput = hash(passwordHash: passwordHash, saltHash: saltHash)
            var output = roundOutput
            for _ in 1..<max(rounds, 1) {
                saltHash = Array(SHA512.hash(data: roundOutput))
                roundOutput = hash(passwordHash: passwordHash, saltHash: saltHash)
                for index in 0..<hashSize { output[index] ^= roundOutput[index] }
            }
            // Not PBKDF2: the output bytes are spread across the key, one per block.
            amount = min(amount, remaining)
            var written = 0
            while written < amount {
                let destination = written * stride + Int(count - 1)
                if destination >= keyLength { break }
                key[destination] = output[written]
                written += 1
            }
            remaining -= written
            count += 1
        }
        return key
    }

    /// bcrypt_hash: the expensive key schedule over the two SHA-512 digests, then 64 encryptions of the magic.
    static func hash(passwordHash: [UInt8], saltHash: [UInt8]) -> [UInt8] {
        var state = Blowfish()
        state.expand(data: saltHash, key: passwordHash)
        for _ in 0..<64 {
            state.expand0(key: saltHash)
            state.expand0(key: passwordHash)
        }
        var words = [UInt32](repeating: 0, count: 8)
        var position = 0
        magic.withUnsafeBufferPointer { magic in
            for index in 0..<8 { words[index] = Blowfish.streamWord(magic, &position) }
        }
        for _ in 0..<64 { state.encrypt(&words) }
        // Each word is written out little-endian.
        var out = [UInt8]()
        out.reserveCapacity(hashSize)
        for word in words {
            out.append(UInt8(truncatingIfNeeded: word))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        return out
    }
}
