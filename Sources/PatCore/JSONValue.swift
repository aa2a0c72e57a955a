/// A strict, fast JSON reader for pat's own files (token files are read by the hundred thousand on a cold load).
/// It accepts RFC 8259 JSON with integer numbers only, refuses duplicate keys and nesting deeper than 32,
/// and never allocates for a string without escapes beyond the String itself.
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public struct SyntaxError: Error, Equatable, Sendable {
        public let offset: Int
        public let reason: String
    }

    public static func parse<Bytes: Collection>(_ bytes: Bytes) throws(SyntaxError) -> JSONValue where Bytes.Element == UInt8 {
        let array = Array(bytes)
        let result: Result<JSONValue, SyntaxError> = array.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            do {
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw parser.fail("trailing characters after the value") }
                return .success(value)
            } catch let error as SyntaxError {
                return .failure(error)
            } catch {
                return .failure(SyntaxError(offset: 0, reason: "\(error)"))
            }
        }
        return try result.get()
    }

    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: position, reason: reason) }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth < 32 else { throw fail("nested too deeply") }
            guard position < bytes.count else { throw fail("unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count else { throw fail("unexpected end") }
            for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
                throw fail("unexpected character")
            }
            position += count
        }

        mutating func integer() throws(SyntaxError) -> Int {
            var negative = false
            if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
            let start = position
            var value = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw fail("number out of range") }
                value = sum
                position += 1
            }
            guard position > start else { throw fail("expected digits") }
            guard !(bytes[start] == UInt8(ascii: "0") && position - start > 1) else { throw fail("leading zero") }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                throw fail("only whole numbers are allowed")
            }
            return negative ? -value : value
        }

        mutating func string() throws(SyntaxError) -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = try validated(UnsafeBufferPointer(rebasing: bytes[start..<position]))
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw fail("control character in a string") }
                position += 1
            }
            var out = Array(bytes[start..<position])
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return try out.withUnsafeBufferPointer { buffer throws(SyntaxError) in try validated(buffer) }
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.count else { throw fail("unexpected end") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw fail("unpaired surrogate")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            throw fail("unpaired surrogate")
                        }
                        out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                    default: throw fail("unknown escape")
                    }
                default:
                    guard byte >= 0x20 else { throw fail("control character in a string") }
                    out.append(byte)
                    position += 1
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw fail("unexpected end") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("bad \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        func validated(_ buffer: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> String {
            guard let text = String(validating: buffer, as: UTF8.self) else { throw fail("invalid UTF-8") }
            return text
        }

        /// Checks a value without building it, returning the byte range it spans.
        mutating func skip(depth: Int) throws(SyntaxError) -> Range<Int> {
            let start = position
            guard depth < 32 else { throw fail("nested too deeply") }
            guard position < bytes.count else { throw fail("unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return start..<position }
                while true {
                    skipWhitespace()
                    _ = try skip(depth: depth + 1)
                    skipWhitespace()
                    guard position < bytes.count else { throw fail("unexpected end") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return start..<position }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "\""):
                position += 1
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") { position += 1; return start..<position }
                    if byte == UInt8(ascii: "\\") { position = start; _ = try string(); return start..<position }
                    guard byte >= 0x20 else { throw fail("control character in a string") }
                    position += 1
                }
                throw fail("unterminated string")
            default:
                _ = try value(depth: depth)
                return start..<position
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw fail("expected , or ]")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let keyStart = position
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected :") }
                position += 1
                skipWhitespace()
                let item = try value(depth: depth + 1)
                guard members.updateValue(item, forKey: key) == nil else {
                    throw SyntaxError(offset: keyStart, reason: "duplicate key '\(key)'")
                }
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw fail("expected , or }")
            }
        }
    }
}
