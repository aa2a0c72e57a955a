/// CRC-32 (IEEE 802.3, the one zlib and GitHub's token checksums use).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(buffer: $0) }) { return fast }
        return Array(bytes).withUnsafeBufferPointer { checksum(buffer: $0) }
    }

    /// The table is fetched once per call, not once per byte: this runs on every request.
    public static func checksum(buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }
}
