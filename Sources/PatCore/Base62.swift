/// Base62 with the alphabet GitHub's tokens use: digits, upper case, lower case.
public enum Base62 {
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Each byte's digit value, or 0xFF for a byte that is not a base62 digit.
    static let values: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 48...57: UInt8(byte - 48)
        case 65...90: UInt8(byte - 55)
        case 97...122: UInt8(byte - 61)
        default: 0xFF
        }
    }

    /// The digit's value, for a byte that `isDigitByte` accepted.
    @inline(__always)
    public static func value(of byte: UInt8) -> UInt8 {
        switch byte {
        case 48...57: byte - 48
        case 65...90: byte - 55
        default: byte - 61
        }
    }

    @inline(__always)
    public static func isDigitByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    /// `value` as exactly `width` base62 digits, most significant first, zero-padded.
    public static func encode(_ value: UInt64, width: Int) -> String {
        var digits = [Character](repeating: "0", count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = alphabet[Int(rest % 62)]
            rest /= 62
        }
        return String(digits)
    }
}
