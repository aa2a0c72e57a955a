/// A commit object split strictly into what was signed and the signature, by pat's own parser.
///
/// libgit2's git_commit_extract_signature scans the whole object, message included, so a message body
/// holding a copied `gpgsig` block reads as signed. This parser reads the header block only (up to the first
/// empty line), requires at most one `gpgsig` header and refuses any other `gpgsig-*` header.
public struct RawCommit: Equatable, Sendable {
    public let tree: String
    public let parents: [String]
    public let author: String
    public let committer: String
    public let message: String
    /// The armored signature, or nil for an unsigned commit.
    public let signature: String?
    /// The object without the signature header: the bytes the signature covers.
    public let payload: [UInt8]

    public static func parse(_ bytes: [UInt8]) throws(RawCommitError) -> RawCommit {
        guard let separator = headerEnd(bytes) else { throw .malformed("no empty line ends the header block") }
        guard let header = String(validating: bytes[..<separator], as: UTF8.self) else {
            throw .malformed("the header block is not UTF-8")
        }
        let message = String(decoding: bytes[(separator + 2)...], as: UTF8.self)

        // Split by bytes when that is exactly the split by characters: ASCII without CR, where every character is
        // one byte (with a CR, "\r\n" is one character and no line break). Most headers are; it is much faster.
        let ascii = bytes[..<separator].allSatisfy { $0 < 0x80 && $0 != 13 }
        let lines = ascii ? header.utf8.split(separator: 10, omittingEmptySubsequences: false).map { Substring($0) }
            : header.split(separator: "\n", omittingEmptySubsequences: false)
        var headers: [(key: String, value: String)] = []
        for line in lines {
            if line.hasPrefix(" ") {
                guard !headers.isEmpty else { throw .malformed("a continuation line opens the header block") }
                headers[headers.count - 1].value += "\n" + line.dropFirst()
                continue
            }
            guard let space = line.firstIndex(of: " ") else { throw .malformed("header line without a value") }
            headers.append((String(line[..<space]), String(line[line.index(after: space)...])))
        }

        var tree: String?
        var parents: [String] = []
        var author: String?
        var committer: String?
        var signature: String?
        var payloadLines: [String] = []
        for (key, value) in headers {
            switch key {
            case "gpgsig":
                guard signature == nil else { throw .duplicateSignature }
                signature = value + "\n"
                continue
            case _ where key.hasPrefix("gpgsig-"):
                throw .unknownSignatureHeader(key)
            case "tree":
                guard tree == nil, parents.isEmpty, author == nil else { throw .malformed("misplaced tree header") }
                tree = value
            case "parent":
                guard tree != nil, author == nil else { throw .malformed("misplaced parent header") }
                parents.append(value)
            case "author":
                guard author == nil, tree != nil else { throw .malformed("misplaced author header") }
                author = value
            case "committer":
                guard committer == nil, author != nil else { throw .malformed("misplaced committer header") }
                committer = value
            default:
                break
            }
            payloadLines.append(key + " " + (value.utf8.contains(10) ? value.replacingNewlines(with: "\n ") : value))
        }
        guard let tree, isObjectID(tree), parents.allSatisfy(isObjectID), let author, let committer else {
            throw .malformed("missing or invalid tree, author or committer header")
        }
        let payload = Array((payloadLines.joined(separator: "\n") + "\n\n").utf8) + Array(bytes[(separator + 2)...])
        return RawCommit(tree: tree, parents: parents, author: author, committer: committer, message: message,
                         signature: signature, payload: payload)
    }

    /// Index of the newline ending the last header line (the first of "\n\n").
    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var index = 1
        while index < bytes.count {
            if bytes[index] == 10 && bytes[index - 1] == 10 { return index - 1 }
            index += 1
        }
        return nil
    }

    private static func isObjectID(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { Hex.value($0) != nil }
    }
}

public enum RawCommitError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case duplicateSignature
    case unknownSignatureHeader(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed commit: \(reason)"
        case .duplicateSignature: "the commit has more than one gpgsig header"
        case .unknownSignatureHeader(let key): "the commit has an unknown signature header '\(key)'"
        }
    }
}

extension String {
    func replacingNewlines(with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
