import PatCore

/// What kind of secret a scan found.
public enum SecretKind: String, Sendable, CaseIterable {
    /// A value in this store's format: the store's prefix, `_`, 49 base62 characters whose last six are a valid
    /// checksum (docs/store-format.md, "Token values").
    case storeToken = "store-token"
    /// A value in pat's format with a valid checksum but another prefix: a token of some other pat store.
    case patToken = "pat-token"
    /// A GitHub classic token: `ghp_`, `gho_`, `ghu_`, `ghs_` or `ghr_` and 36 base62 characters.
    case githubToken = "github-token"
    /// A GitHub fine-grained personal access token: `github_pat_` and 82 or more characters.
    case githubFineGrainedToken = "github-fine-grained-token"
    /// A GitLab personal access token: `glpat-` and 20 or more characters.
    case gitlabToken = "gitlab-token"
    /// A PEM or OpenSSH private key block (`-----BEGIN ... PRIVATE KEY-----` followed by key material).
    case privateKey = "private-key"

    /// How a finding names the kind, as the object of a sentence.
    public var label: String {
        switch self {
        case .storeToken: "a token value of this store"
        case .patToken: "a pat token value of another store"
        case .githubToken: "a GitHub token"
        case .githubFineGrainedToken: "a GitHub fine-grained token"
        case .gitlabToken: "a GitLab personal access token"
        case .privateKey: "a private key"
        }
    }
}

/// One secret found in scanned bytes. It never holds the secret: only where it is and a redacted display.
public struct SecretMatch: Equatable, Sendable {
    public let kind: SecretKind
    /// 1-based line of the secret's first byte.
    public let line: Int
    /// Byte offsets of the secret in the scanned bytes (for a key block: the header through the footer, or
    /// through the key material when the footer is missing).
    public let range: Range<Int>
    /// At most the prefix and the last four characters, e.g. `pat_…Ab3x`, `ghp_…9f2K`; for a key block only its
    /// header and the word `block`, e.g. `-----BEGIN OPENSSH PRIVATE KEY----- block`.
    public let redacted: String

    public init(kind: SecretKind, line: Int, range: Range<Int>, redacted: String) {
        self.kind = kind
        self.line = line
        self.range = range
        self.redacted = redacted
    }
}

/// Finds secrets in a blob or a commit message: values in pat's format with a valid checksum, GitHub and GitLab
/// tokens, private key blocks.
///
/// One forward pass over the bytes; a candidate is only looked at where a `_` or `-` could end a known prefix, and
/// every look around a candidate is bounded, so the cost is linear in the input (no regular expressions, no
/// backtracking). False positives are kept out by shape: exact lengths and character sets, the checksum of pat's
/// values (a random string passes with odds of 1 in 5.7 * 10^10), a mix of upper- and lower-case letters for
/// GitHub's tokens (which rules out hex digests like a token file's `sha256:` hash and placeholders like
/// `ghp_xxxx...`), and key material after a key block's header (which rules out a sentence naming the header).
public struct SecretScanner: Sendable {
    /// The prefixes whose values count as this store's (`storeToken`); other valid pat values are `patToken`.
    public let storePrefixes: Set<String>

    public init(storePrefixes: some Sequence<String> = [String]()) {
        self.storePrefixes = Set(storePrefixes)
    }

    public func scan(_ text: String) -> [SecretMatch] {
        var text = text
        return text.withUTF8 { scan(buffer: $0) }
    }

    public func scan(_ bytes: some Collection<UInt8>) -> [SecretMatch] {
        if let found = bytes.withContiguousStorageIfAvailable({ scan(buffer: $0) }) { return found }
        return Array(bytes).withUnsafeBufferPointer { scan(buffer: $0) }
    }

    public func scan(buffer bytes: UnsafeBufferPointer<UInt8>) -> [SecretMatch] {
        var scan = Scan(bytes: bytes, storePrefixes: storePrefixes)
        return scan.run()
    }

    /// The `secrets` findings for a blob at `path` (or, with `path` nil, for the message of `commit`).
    public func findings(in bytes: some Collection<UInt8>, commit: String?, path: String?) -> [CheckFinding] {
        scan(bytes).map { CheckFinding.secret($0, commit: commit, path: path) }
    }
}

// MARK: - The scan

private let underscore = UInt8(ascii: "_")
private let dash = UInt8(ascii: "-")
private let newline = UInt8(ascii: "\n")
private let ellipsis = "\u{2026}"

@inline(__always) private func isAlnum(_ byte: UInt8) -> Bool { Base62.isDigitByte(byte) }
@inline(__always) private func isUpper(_ byte: UInt8) -> Bool { (65...90).contains(byte) }
@inline(__always) private func isLower(_ byte: UInt8) -> Bool { (97...122).contains(byte) }
@inline(__always) private func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
@inline(__always) private func isBase64(_ byte: UInt8) -> Bool {
    isAlnum(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
}

private struct Scan {
    /// Longest run after `github_pat_` or `glpat-` that is still looked at; longer runs are not tokens.
    static let longestRun = 255
    /// How far past a key block's header its footer is looked for (a 16384-bit RSA key is about 12 KiB).
    static let longestKeyBlock = 64 * 1024

    let bytes: UnsafeBufferPointer<UInt8>
    let storePrefixes: Set<String>
    var matches: [SecretMatch] = []

    init(bytes: UnsafeBufferPointer<UInt8>, storePrefixes: Set<String>) {
        self.bytes = bytes
        self.storePrefixes = storePrefixes
    }

    mutating func run() -> [SecretMatch] {
        var line = 1
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            var found: SecretMatch?
            if byte == newline {
                line += 1
            } else if byte == underscore {
                found = githubFineGrained(at: index, line: line) ?? githubClassic(at: index, line: line)
                    ?? patValue(at: index, line: line)
            } else if byte == dash {
                found = gitlab(at: index, line: line) ?? keyBlock(at: index, line: line)
            }
            guard let found else {
                index += 1
                continue
            }
            matches.append(found)
            // Go on after the secret, counting the lines it spans (only a key block spans any).
            for position in index..<found.range.upperBound where bytes[position] == newline { line += 1 }
            index = found.range.upperBound
        }
        return matches
    }

    // MARK: Helpers

    /// Whether `text` ends just before `end` (exclusive).
    func has(_ text: StaticString, endingAt end: Int) -> Bool {
        let length = text.utf8CodeUnitCount
        guard end >= length else { return false }
        let start = end - length
        return text.withUTF8Buffer { wanted in (0..<length).allSatisfy { bytes[start + $0] == wanted[$0] } }
    }

    /// Whether `text` starts at `start`.
    func has(_ text: StaticString, at start: Int) -> Bool {
        let length = text.utf8CodeUnitCount
        guard start + length <= bytes.count else { return false }
        return text.withUTF8Buffer { wanted in (0..<length).allSatisfy { bytes[start + $0] == wanted[$0] } }
    }

    /// The length of the run of bytes satisfying `accept` from `start`, looked at up to `limit + 1` bytes so a
    /// result above `limit` means "too long".
    func run(from start: Int, limit: Int, _ accept: (UInt8) -> Bool) -> Int {
        var end = start
        let stop = min(bytes.count, start + limit + 1)
        while end < stop, accept(bytes[end]) { end += 1 }
        return end - start
    }

    func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }

    /// `prefix…` and the last four characters of the value in `range`.
    func redacted(prefix: String, _ range: Range<Int>) -> String {
        prefix + ellipsis + text((range.upperBound - 4)..<range.upperBound)
    }

    /// How many of the classes digit, upper case, lower case the bytes use, and how many distinct bytes there are.
    func mix(_ range: Range<Int>) -> (digit: Bool, upper: Bool, lower: Bool, distinct: Int) {
        var seen = [Bool](repeating: false, count: 256)
        var distinct = 0
        var digit = false, upper = false, lower = false
        for index in range {
            let byte = bytes[index]
            if !seen[Int(byte)] { seen[Int(byte)] = true; distinct += 1 }
            if isDigit(byte) { digit = true } else if isUpper(byte) { upper = true } else if isLower(byte) { lower = true }
        }
        return (digit, upper, lower, distinct)
    }

    // MARK: Kinds

    /// `github_pat_` ending at `separator`, then 82 to 255 characters of `[A-Za-z0-9_]` using digits, upper and
    /// lower case (GitHub's shape is 22 characters, `_`, 59 characters).
    func githubFineGrained(at separator: Int, line: Int) -> SecretMatch? {
        guard has("github_pat_", endingAt: separator + 1) else { return nil }
        let start = separator - 10
        let bodyStart = separator + 1
        let length = run(from: bodyStart, limit: Self.longestRun) { isAlnum($0) || $0 == underscore }
        guard (82...Self.longestRun).contains(length) else { return nil }
        let body = bodyStart..<(bodyStart + length)
        let (digit, upper, lower, distinct) = mix(body)
        guard digit, upper, lower, distinct >= 16 else { return nil }
        return SecretMatch(kind: .githubFineGrainedToken, line: line, range: start..<body.upperBound,
                           redacted: redacted(prefix: "github_pat_", body))
    }

    /// `gh[pousr]_` ending at `separator`, then exactly 36 base62 characters with upper and lower case. (A random
    /// 36-character value lacks one of them with odds of 1 in 10^8; a hex digest or a placeholder always does.)
    func githubClassic(at separator: Int, line: Int) -> SecretMatch? {
        guard separator >= 3, bytes[separator - 3] == UInt8(ascii: "g"), bytes[separator - 2] == UInt8(ascii: "h"),
              "pousr".utf8.contains(bytes[separator - 1]) else { return nil }
        let bodyStart = separator + 1
        guard run(from: bodyStart, limit: 36, isAlnum) == 36 else { return nil }
        let body = bodyStart..<(bodyStart + 36)
        let (_, upper, lower, distinct) = mix(body)
        guard upper, lower, distinct >= 10 else { return nil }
        let prefix = text((separator - 3)..<bodyStart)
        return SecretMatch(kind: .githubToken, line: line, range: (separator - 3)..<body.upperBound,
                           redacted: redacted(prefix: prefix, body))
    }

    /// `glpat-` ending at `separator`, then 20 to 255 characters of `[A-Za-z0-9_-]` using at least two of digits,
    /// upper and lower case.
    func gitlab(at separator: Int, line: Int) -> SecretMatch? {
        guard has("glpat-", endingAt: separator + 1) else { return nil }
        let bodyStart = separator + 1
        let length = run(from: bodyStart, limit: Self.longestRun) { isAlnum($0) || $0 == underscore || $0 == dash }
        guard (20...Self.longestRun).contains(length) else { return nil }
        let body = bodyStart..<(bodyStart + length)
        let (digit, upper, lower, distinct) = mix(body)
        guard [digit, upper, lower].filter({ $0 }).count >= 2, distinct >= 8 else { return nil }
        return SecretMatch(kind: .gitlabToken, line: line, range: (separator - 5)..<body.upperBound,
                           redacted: redacted(prefix: "glpat-", body))
    }

    /// A value in pat's format around the `_` at `separator`: 1 to 16 base62 characters before it (the alphanumeric
    /// run before it, or its tail when something is glued on), exactly 49 base62 characters after it, and a checksum
    /// that PatCore's parser accepts.
    func patValue(at separator: Int, line: Int) -> SecretMatch? {
        let bodyLength = TokenSecret.randomLength + TokenSecret.checksumLength
        let bodyStart = separator + 1
        guard run(from: bodyStart, limit: bodyLength, isAlnum) == bodyLength else { return nil }
        var before = 0
        while before < 16, separator - before - 1 >= 0, isAlnum(bytes[separator - before - 1]) { before += 1 }
        guard before > 0 else { return nil }
        let end = bodyStart + bodyLength
        for prefixLength in stride(from: before, through: 1, by: -1) {
            let start = separator - prefixLength
            guard case .success = TokenSecret.parse(text(start..<end)) else { continue }
            let prefix = text(start..<separator)
            return SecretMatch(kind: storePrefixes.contains(prefix) ? .storeToken : .patToken, line: line,
                               range: start..<end, redacted: redacted(prefix: prefix + "_", bodyStart..<end))
        }
        return nil
    }

    /// `-----BEGIN <LABEL>-----` at `start`, LABEL upper-case words ending in `PRIVATE KEY` or `PRIVATE KEY BLOCK`,
    /// followed (after line breaks, also JSON-escaped ones) by PEM headers or at least 16 base64 characters.
    func keyBlock(at start: Int, line: Int) -> SecretMatch? {
        guard has("-----BEGIN ", at: start) else { return nil }
        let labelStart = start + 11
        let labelLength = run(from: labelStart, limit: 64) { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: " ") }
        guard labelLength <= 64 else { return nil }
        let labelEnd = labelStart + labelLength
        guard has("-----", at: labelEnd) else { return nil }
        let label = text(labelStart..<labelEnd)
        guard label.hasSuffix("PRIVATE KEY") || label.hasSuffix("PRIVATE KEY BLOCK") else { return nil }
        let headerEnd = labelEnd + 5
        guard let materialEnd = keyMaterial(after: headerEnd) else { return nil }
        let end = footer(from: materialEnd) ?? materialEnd
        return SecretMatch(kind: .privateKey, line: line, range: start..<end,
                           redacted: "-----BEGIN \(label)----- block")
    }

    /// Skips spaces and line breaks (raw or escaped as `\n`, `\r`, `\\n` in JSON or source text); says whether
    /// there was a line break among them.
    func skipBreaks(from start: Int) -> (end: Int, sawBreak: Bool) {
        var index = start
        var sawBreak = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 {
                index += 1
            } else if byte == 0x0A || byte == 0x0D {
                index += 1
                sawBreak = true
            } else if byte == UInt8(ascii: "\\") {
                var next = index + 1
                while next < bytes.count, bytes[next] == UInt8(ascii: "\\"), next - index < 4 { next += 1 }
                guard next < bytes.count, bytes[next] == UInt8(ascii: "n") || bytes[next] == UInt8(ascii: "r") else { break }
                index = next + 1
                sawBreak = true
            } else {
                break
            }
        }
        return (index, sawBreak)
    }

    /// The end of the key material after a header: PEM header lines (`Proc-Type: ...`), then lines of base64, the
    /// first at least 16 characters long. A key flattened onto one line (spaces for line breaks) counts when its
    /// runs are at least 40 characters. Nil when there is no material (a sentence that names the header).
    func keyMaterial(after headerEnd: Int) -> Int? {
        let limit = min(bytes.count, headerEnd + Self.longestKeyBlock)
        var (index, sawBreak) = skipBreaks(from: headerEnd)
        if sawBreak {
            while index < limit, has("Proc-Type:", at: index) || has("DEK-Info:", at: index) {
                while index < limit, bytes[index] != newline, !has("\\n", at: index) { index += 1 }
                index = skipBreaks(from: index).end
            }
        }
        var lines = 0
        while index < limit {
            let length = run(from: index, limit: limit - index, isBase64)
            guard length >= (lines > 0 ? 1 : sawBreak ? 16 : 40) else { break }
            lines += 1
            index += length
            let next = skipBreaks(from: index)
            guard next.sawBreak || (next.end > index && length >= 40) else { break }
            index = next.end
        }
        return lines > 0 ? index : nil
    }

    /// The end of `-----END ...-----` when it follows the key material (after line breaks).
    func footer(from start: Int) -> Int? {
        let index = skipBreaks(from: start).end
        guard has("-----END ", at: index) else { return nil }
        let labelStart = index + 9
        let labelLength = run(from: labelStart, limit: 64) { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: " ") }
        guard labelLength <= 64, has("-----", at: labelStart + labelLength) else { return nil }
        return labelStart + labelLength + 5
    }
}
