import Foundation
import Testing
@testable import PatBcrypt

@Suite struct BlowfishTests {
    /// Eric Young's published Blowfish vectors (key, plaintext, ciphertext), through the standard key schedule.
    @Test(arguments: [
        ("0000000000000000", "0000000000000000", "4EF997456198DD78"),
        ("FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A"),
        ("3000000000000000", "1000000000000001", "7D856F9A613063F2"),
        ("0123456789ABCDEF", "1111111111111111", "61F9C3802281B096"),
    ])
    func knownAnswers(key: String, plaintext: String, ciphertext: String) {
        var cipher = Blowfish(key: bytes(key))
        let block = bytes(plaintext)
        var words = [word(block, 0), word(block, 4)]
        cipher.encrypt(&words)
        #expect(String(format: "%08X%08X", words[0], words[1]) == ciphertext)
    }

    /// The P-array and S-boxes are pi's fractional hex digits: derived here from Machin's formula
    /// (pi = 16 atan(1/5) - 4 atan(1/239)) in fixed-point arithmetic, independently of the generator script.
    @Test func constantsAreTheDigitsOfPi() {
        let words = 18 + 1024
        let digits = PiHexDigits.compute(words: words)
        #expect(digits.count == words)
        #expect(Array(digits[0..<18]) == Blowfish.initialP)
        #expect(Array(digits[18...]) == Blowfish.initialS)
    }

    func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

/// Fixed-point big numbers as arrays of 32-bit limbs, most significant first; limb 0 is the integer part.
enum PiHexDigits {
    static func compute(words: Int) -> [UInt32] {
        let limbs = words + 3  // guard limbs
        var pi = [UInt32](repeating: 0, count: limbs)
        add(&pi, arctanInverse(5, limbs: limbs), times: 16)
        subtract(&pi, arctanInverse(239, limbs: limbs), times: 4)
        return Array(pi[1...words])
    }

    /// atan(1/x) = sum over k of (-1)^k / ((2k+1) x^(2k+1)).
    static func arctanInverse(_ x: UInt32, limbs: Int) -> [UInt32] {
        var power = [UInt32](repeating: 0, count: limbs)
        power[0] = 1
        divide(&power, by: x)
        var total = power
        var n: UInt32 = 1
        var negative = true
        let square = x * x
        while power.contains(where: { $0 != 0 }) {
            divide(&power, by: square)
            n += 2
            var term = power
            divide(&term, by: n)
            if negative { subtract(&total, term, times: 1) } else { add(&total, term, times: 1) }
            negative.toggle()
        }
        return total
    }

    static func divide(_ number: inout [UInt32], by divisor: UInt32) {
        var remainder: UInt64 = 0
        for index in number.indices {
            let value = remainder << 32 | UInt64(number[index])
            number[index] = UInt32(value / UInt64(divisor))
            remainder = value % UInt64(divisor)
        }
    }

    static func add(_ a: inout [UInt32], _ b: [UInt32], times: UInt64) {
        var carry: UInt64 = 0
        for index in a.indices.reversed() {
            let sum = UInt64(a[index]) + UInt64(b[index]) * times + carry
            a[index] = UInt32(truncatingIfNeeded: sum)
            carry = sum >> 32
        }
    }

    static func subtract(_ a: inout [UInt32], _ b: [UInt32], times: UInt64) {
        var borrow: UInt64 = 0
        for index in a.indices.reversed() {
            let value = UInt64(b[index]) * times + borrow
            let low = value & 0xFFFF_FFFF
            borrow = value >> 32
            if UInt64(a[index]) >= low {
                a[index] = UInt32(UInt64(a[index]) - low)
            } else {
                a[index] = UInt32(UInt64(a[index]) + (1 << 32) - low)
                borrow += 1
            }
        }
    }
}
