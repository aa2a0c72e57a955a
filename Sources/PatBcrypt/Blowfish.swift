/// Blowfish as OpenBSD's bcrypt uses it: the cipher state, its key schedules (the standard one and the
/// "expensive" salted one) and block encryption. Only what bcrypt_pbkdf needs; not a general-purpose cipher.
struct Blowfish {
    var p: [UInt32]
    /// The four S-boxes one after the other: S[i][k] is s[i * 256 + k].
    var s: [UInt32]

    init() {
        p = Blowfish.initialP
        s = Blowfish.initialS
    }

    /// The standard key schedule (Blowfish_expand0state with a fresh state): what the published test vectors use.
    init(key: [UInt8]) {
        self.init()
        expand0(key: key)
    }

    /// Four bytes of `data` as a big-endian word, wrapping around at the end (Blowfish_stream2word).
    @inline(__always)
    static func streamWord(_ data: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> UInt32 {
        var word: UInt32 = 0
        for _ in 0..<4 {
            if position >= data.count { position = 0 }
            word = word << 8 | UInt32(data[position])
            position += 1
        }
        return word
    }

    @inline(__always)
    static func encipher(_ p: UnsafeMutableBufferPointer<UInt32>, _ s: UnsafeMutableBufferPointer<UInt32>,
                         _ left: inout UInt32, _ right: inout UInt32) {
        @inline(__always) func f(_ x: UInt32) -> UInt32 {
            ((s[Int(x >> 24)] &+ s[0x100 | Int(x >> 16 & 0xFF)]) ^ s[0x200 | Int(x >> 8 & 0xFF)]) &+ s[0x300 | Int(x & 0xFF)]
        }
        var l = left ^ p[0]
        var r = right
        var round = 1
        while round <= 16 {
            r ^= f(l) ^ p[round]
            l ^= f(r) ^ p[round + 1]
            round += 2
        }
        left = r ^ p[17]
        right = l
    }

    /// Blowfish_expand0state: mix `key` into P, then re-encrypt P and S from a zero block.
    mutating func expand0(key: [UInt8]) { expand(data: nil, key: key) }

    /// Blowfish_expandstate: like expand0, but every block encrypted is first mixed with `data` (the salt).
    mutating func expand(data: [UInt8]?, key: [UInt8]) {
        let data = data ?? []
        let mixes = !data.isEmpty
        key.withUnsafeBufferPointer { key in
            data.withUnsafeBufferPointer { data in
                p.withUnsafeMutableBufferPointer { p in
                    s.withUnsafeMutableBufferPointer { s in
                        var position = 0
                        for index in 0..<18 { p[index] ^= Blowfish.streamWord(key, &position) }
                        position = 0
                        var left: UInt32 = 0, right: UInt32 = 0
                        func next(_ target: UnsafeMutableBufferPointer<UInt32>, _ index: Int) {
                            if mixes {
                                left ^= Blowfish.streamWord(data, &position)
                                right ^= Blowfish.streamWord(data, &position)
                            }
                            Blowfish.encipher(p, s, &left, &right)
                            target[index] = left
                            target[index + 1] = right
                        }
                        for index in stride(from: 0, to: 18, by: 2) { next(p, index) }
                        for index in stride(from: 0, to: 1024, by: 2) { next(s, index) }
                    }
                }
            }
        }
    }

    /// Encrypts consecutive 64-bit blocks (pairs of words) in place (blf_enc).
    mutating func encrypt(_ words: inout [UInt32]) {
        p.withUnsafeMutableBufferPointer { p in
            s.withUnsafeMutableBufferPointer { s in
                var index = 0
                while index + 1 < words.count {
                    var left = words[index], right = words[index + 1]
                    Blowfish.encipher(p, s, &left, &right)
                    words[index] = left
                    words[index + 1] = right
                    index += 2
                }
            }
        }
    }
}
