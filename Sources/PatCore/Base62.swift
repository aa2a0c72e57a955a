/// Base62 with the alphabet GitHub's tokens use: digits, upper case, lower case.
public enum Base62 {
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public static func isDigit(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        return (a >= 48 && a <= 57) || (a >= 65 && a <= 90) || (a >= 97 && a <= 122)
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
