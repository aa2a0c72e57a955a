import Foundation

/// Reads the SSH wire encoding (RFC 4251): uint32 big-endian, and strings as length + bytes.
public struct SSHReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 { self.bytes = Array(bytes) }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: [UInt8] { Array(bytes[offset...]) }

    public mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func readUInt32() -> UInt32? {
        guard let raw = readBytes(4) else { return nil }
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readString() -> [UInt8]? {
        guard let length = readUInt32(), length <= UInt32(Int32.max) else { return nil }
        return readBytes(Int(length))
    }

    public mutating func readText() -> String? {
        readString().flatMap { String(bytes: $0, encoding: .utf8) }
    }
}

/// Writes the SSH wire encoding.
public struct SSHWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ raw: [UInt8]) { bytes += raw }

    public mutating func writeUInt32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public mutating func writeString(_ raw: [UInt8]) {
        writeUInt32(UInt32(raw.count))
        bytes += raw
    }

    public mutating func writeString(_ text: String) { writeString(Array(text.utf8)) }
}

/// PEM-like armor: a BEGIN line, base64 wrapped at `width` columns, an END line.
enum Armor {
    static func wrap(_ bytes: [UInt8], label: String, width: Int) -> String {
        let base64 = Data(bytes).base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: width, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The decoded body, or nil when the BEGIN/END lines are missing or the body is not base64.
    static func unwrap(_ text: String, label: String) -> [UInt8]? {
        let lines = text.split(whereSeparator: \.isNewline).map(trimmingWhitespace).filter { !$0.isEmpty }
        guard let first = lines.first, first == "-----BEGIN \(label)-----",
              let last = lines.last, last == "-----END \(label)-----", lines.count >= 2 else { return nil }
        guard let data = Data(base64Encoded: lines.dropFirst().dropLast().joined()) else { return nil }
        return Array(data)
    }

    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's bridging where it cannot change anything: a
    /// line that starts and ends with an ASCII character other than space and tab (every base64 line) has nothing
    /// to trim. Foundation's bridging was a tenth of checking a range of signed commits.
    static func trimmingWhitespace(_ line: Substring) -> String {
        if let first = line.utf8.first, let last = line.utf8.last, first < 0x80, last < 0x80,
           first != 0x20, first != 0x09, last != 0x20, last != 0x09 {
            return String(line)
        }
        return line.trimmingCharacters(in: .whitespaces)
    }
}
