/// The one kind of request the byte-level fast path (`PlainGetHandler`) reads itself: an HTTP/1.1 `GET` with no
/// body that keeps its connection open, which is what wrk, curl and nginx's `auth_request` (over a keep-alive
/// upstream) send. Anything outside that, however legal, is `unsupported`: the handler then gives its bytes to
/// NIO's full HTTP/1 parser, so a request this reader does not understand is handled correctly, only more slowly.
///
/// The grammar accepted is a strict subset of RFC 9112 that llhttp reads the same way:
///   `GET SP origin-form SP HTTP/1.1 CRLF *( token ":" OWS visible-ascii OWS CRLF ) CRLF`
/// with the target's bytes printable ASCII, CRLF line ends only (no bare LF, no folded lines), and none of the
/// headers that change how the message is framed or what happens to the connection (`Transfer-Encoding`,
/// `Content-Length` other than a single `0`, `Connection` other than `keep-alive`, `Upgrade`, `Expect`). The two
/// headers the answer depends on, `Authorization` and `X-Original-URI`, must appear at most once.
struct PlainGetRequest: Equatable {
    var target: String
    var authorization: String?
    var originalURI: String?

    enum Parse: Equatable {
        /// A whole head of `length` bytes.
        case request(PlainGetRequest, length: Int)
        /// A prefix of a head this reader would accept: wait for more bytes.
        case incomplete
        /// Not for this reader: NIO's parser takes it from here.
        case unsupported
    }

    /// Heads longer than this go to NIO's parser (which has its own limits and error answers).
    static let maxHeadLength = 16 * 1024

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Parse {
        var reader = Reader(bytes: bytes)
        let result = reader.head()
        if case .incomplete = result, bytes.count >= maxHeadLength { return .unsupported }
        return result
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        /// Matches `literal` at the current position: true when it is all there, nil when the bytes end inside it.
        mutating func expect(_ literal: StaticString) -> Bool? {
            let count = literal.utf8CodeUnitCount
            let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: count)
            for offset in 0..<count {
                guard index + offset < bytes.count else { return nil }
                guard bytes[index + offset] == text[offset] else { return false }
            }
            index += count
            return true
        }

        mutating func head() -> Parse {
            switch expect("GET /") {
            case nil: return .incomplete
            case false?: return .unsupported
            case true?: break
            }
            let targetStart = index - 1
            while index < bytes.count, bytes[index] != UInt8(ascii: " ") {
                guard (0x21...0x7E).contains(bytes[index]) else { return .unsupported }
                index += 1
            }
            let targetEnd = index
            switch expect(" HTTP/1.1\r\n") {
            case nil: return .incomplete
            case false?: return .unsupported
            case true?: break
            }
            var request = PlainGetRequest(target: string(targetStart..<targetEnd))
            var contentLength = false
            while true {
                guard index < bytes.count else { return .incomplete }
                if bytes[index] == UInt8(ascii: "\r") {
                    guard index + 1 < bytes.count else { return .incomplete }
                    guard bytes[index + 1] == UInt8(ascii: "\n") else { return .unsupported }
                    return .request(request, length: index + 2)
                }
                let field: (name: Name, value: Range<Int>)
                switch header() {
                case .field(let name, let value): field = (name, value)
                case .incomplete: return .incomplete
                case .unsupported: return .unsupported
                }
                switch field.name {
                case .authorization:
                    guard request.authorization == nil else { return .unsupported }
                    request.authorization = string(field.value)
                case .originalURI:
                    guard request.originalURI == nil else { return .unsupported }
                    request.originalURI = string(field.value)
                case .contentLength:
                    guard !contentLength, field.value.count == 1, bytes[field.value.lowerBound] == UInt8(ascii: "0") else {
                        return .unsupported
                    }
                    contentLength = true
                case .connection:
                    guard equalsIgnoringCase(field.value, "keep-alive") else { return .unsupported }
                case .changesFraming:
                    return .unsupported
                case .other:
                    break
                }
            }
        }

        enum Name {
            case authorization, originalURI, contentLength, connection, changesFraming, other
        }

        enum Header {
            case field(Name, value: Range<Int>)
            case incomplete
            case unsupported
        }

        /// One `name: value CRLF` line; the value without the whitespace around it.
        mutating func header() -> Header {
            let nameStart = index
            while index < bytes.count, Self.isTokenCharacter(bytes[index]) { index += 1 }
            guard index < bytes.count else { return .incomplete }
            guard index > nameStart, bytes[index] == UInt8(ascii: ":") else { return .unsupported }
            let name = classify(nameStart..<index)
            index += 1
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
            let valueStart = index
            var valueEnd = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\r") {
                let byte = bytes[index]
                guard (0x20...0x7E).contains(byte) || byte == UInt8(ascii: "\t") else { return .unsupported }
                index += 1
                if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") { valueEnd = index }
            }
            guard index + 1 < bytes.count else { return .incomplete }
            guard bytes[index + 1] == UInt8(ascii: "\n") else { return .unsupported }
            index += 2
            return .field(name, value: valueStart..<valueEnd)
        }

        func classify(_ name: Range<Int>) -> Name {
            switch name.count {
            case 13 where equalsIgnoringCase(name, "authorization"): return .authorization
            case 14 where equalsIgnoringCase(name, "x-original-uri"): return .originalURI
            case 14 where equalsIgnoringCase(name, "content-length"): return .contentLength
            case 10 where equalsIgnoringCase(name, "connection"): return .connection
            case 17 where equalsIgnoringCase(name, "transfer-encoding"), 7 where equalsIgnoringCase(name, "upgrade"),
                 6 where equalsIgnoringCase(name, "expect"):
                return .changesFraming
            default: return .other
            }
        }

        /// ASCII case-insensitive comparison with a lower-case literal of letters and `-`.
        func equalsIgnoringCase(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: range.count)
            for offset in 0..<range.count {
                let byte = bytes[range.lowerBound + offset]
                let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
                guard folded == text[offset] else { return false }
            }
            return true
        }

        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        /// RFC 9110's `tchar`.
        static func isTokenCharacter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
