import Foundation

/// Reads token files for the verifier: only what a decision needs, with identical method lists shared.
///
/// Most tokens come from a handful of presets, so their `methods` arrays are byte-for-byte the same. The decoder
/// validates the file's JSON, but turns a methods array into a set of names only the first time it sees those
/// exact bytes; later tokens share that set. This keeps a cold load near the cost of reading the objects, and
/// memory per token small.
public struct GrantedTokenDecoder {
    private var methodSets: [RawBytes: MethodNameTable] = [:]

    public init() {}

    /// How many distinct method lists were seen (for memory reports).
    public var distinctMethodLists: Int { methodSets.count }
    /// How many files this decoder has read.
    public private(set) var decoded = 0

    public mutating func decode(_ bytes: [UInt8], path: String) throws(StoreFileError) -> (hash: TokenHash, token: GrantedToken) {
        decoded += 1
        let result: Result<(TokenHash, GrantedToken), StoreFileError> = bytes.withUnsafeBufferPointer { buffer in
            do {
                return .success(try decode(buffer, path: path))
            } catch let error as StoreFileError {
                return .failure(error)
            } catch {
                return .failure(StoreFileError(path: path, reason: "\(error)"))
            }
        }
        return try result.get()
    }

    private mutating func decode(_ buffer: UnsafeBufferPointer<UInt8>, path: String) throws(StoreFileError) -> (TokenHash, GrantedToken) {
        var parser = JSONValue.Parser(bytes: buffer)
        let invalid = StoreFileError(path: path, reason: "not valid JSON")
        var fields: [String: JSONValue] = [:]
        var methodsRange: Range<Int>?
        do {
            parser.skipWhitespace()
            guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
                throw StoreFileError(path: path, reason: "expected a JSON object")
            }
            try Self.members(&parser, depth: 0) { key, parser throws(JSONValue.SyntaxError) in
                if key == "api" {
                    guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
                        fields["api"] = try parser.value(depth: 1)
                        return
                    }
                    var api: [String: JSONValue] = [:]
                    try Self.members(&parser, depth: 1) { key, parser throws(JSONValue.SyntaxError) in
                        if key == "methods" { methodsRange = try parser.skip(depth: 2) } else { api[key] = try parser.value(depth: 2) }
                    }
                    fields["api"] = .object(api)
                } else {
                    fields[key] = try parser.value(depth: 1)
                }
            }
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw invalid }
        } catch let error as StoreFileError {
            throw error
        } catch {
            throw invalid
        }
        let object = JSONFields(path: path, object: fields)
        let (id, hash) = try TokenFile.identity(object, path: path)
        let expires = try object.date("expires")
        let created = try object.date("created")
        _ = try object.string("description")
        _ = try object.object("api").string("preset")
        guard let methodsRange else { throw object.fail("field 'methods' is missing or not a list of strings") }
        let raw = RawBytes(Array(buffer[methodsRange]))
        if let shared = methodSets[raw] { return (hash, GrantedToken(id: id, expires: expires, created: created, methodTable: shared)) }
        let names: [String]
        do {
            names = try JSONFields(path: path, object: ["methods": JSONValue.parse(raw.bytes)]).strings("methods")
        } catch let error as StoreFileError {
            throw error
        } catch {
            throw invalid
        }
        let table = GrantedToken.table(names)
        methodSets[raw] = table
        return (hash, GrantedToken(id: id, expires: expires, created: created, methodTable: table))
    }

    /// Walks an object's members, refusing duplicate keys; `body` must consume each value.
    private static func members(_ parser: inout JSONValue.Parser, depth: Int,
                                _ body: (String, inout JSONValue.Parser) throws(JSONValue.SyntaxError) -> Void) throws(JSONValue.SyntaxError) {
        parser.position += 1
        var seen = Set<String>()
        parser.skipWhitespace()
        if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "}") { parser.position += 1; return }
        while true {
            parser.skipWhitespace()
            guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "\"") else { throw parser.fail("expected a key") }
            let key = try parser.string()
            guard seen.insert(key).inserted else { throw parser.fail("duplicate key") }
            parser.skipWhitespace()
            guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: ":") else { throw parser.fail("expected :") }
            parser.position += 1
            parser.skipWhitespace()
            try body(key, &parser)
            parser.skipWhitespace()
            guard parser.position < parser.bytes.count else { throw parser.fail("unexpected end") }
            if parser.bytes[parser.position] == UInt8(ascii: ",") { parser.position += 1; continue }
            if parser.bytes[parser.position] == UInt8(ascii: "}") { parser.position += 1; return }
            throw parser.fail("expected , or }")
        }
    }
}

/// Bytes as a dictionary key, hashed in one call: `[UInt8]`'s own hashing feeds the hasher a byte at a time, which
/// for the 30 KB method list of an Extended Access token was most of decoding it.
struct RawBytes: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
