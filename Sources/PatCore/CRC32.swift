/// CRC-32 (IEEE 802.3, the one zlib and GitHub's token checksums use), four bytes per step ("slicing by 4"):
/// it runs on every request, over the ~50 bytes of a token.
public enum CRC32 {
    /// Four 256-entry tables one after the other: table k gives the CRC of a byte followed by k zero bytes.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 4 * 256)
        for index in 0..<256 {
            var c = UInt32(index)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[index] = c
        }
        for k in 1..<4 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables[k * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(buffer: $0) }) { return fast }
        return Array(bytes).withUnsafeBufferPointer { checksum(buffer: $0) }
    }

    public static func checksum(buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var crc: UInt32 = 0xFFFF_FFFF
            var index = 0
            let count = buffer.count
            while index + 4 <= count {
                crc ^= UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8 | UInt32(buffer[index + 2]) << 16
                    | UInt32(buffer[index + 3]) << 24
                crc = t[768 + Int(crc & 0xFF)] ^ t[512 + Int((crc >> 8) & 0xFF)] ^ t[256 + Int((crc >> 16) & 0xFF)]
                    ^ t[Int(crc >> 24)]
                index += 4
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }
}
