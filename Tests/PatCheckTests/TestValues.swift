import Foundation
import PatCore
import PatSSH

/// SplitMix64: the same values on every run, so that snapshots stay put.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Secret-shaped values made at run time. Their prefixes are split in the source (`"gh" + "p_"`), so that no
/// scanner (this one, a forge's) sees a whole token in this repository.
enum Fake {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// `count` random base62 characters that use digits, upper and lower case, as real tokens practically always do.
    static func base62(_ count: Int, seed: UInt64) -> String {
        var generator = SeededGenerator(seed: seed)
        while true {
            let text = String((0..<count).map { _ in base62[Int(generator.next() % 62)] })
            if text.contains(where: \.isNumber), text.contains(where: \.isUppercase), text.contains(where: \.isLowercase) {
                return text
            }
        }
    }

    static func github(_ letter: String = "p", seed: UInt64 = 1) -> String { "gh" + letter + "_" + base62(36, seed: seed) }
    static func githubFineGrained(seed: UInt64 = 2) -> String {
        "github" + "_pat_" + base62(22, seed: seed) + "_" + base62(59, seed: seed + 100)
    }
    static func gitlab(seed: UInt64 = 3) -> String { "gl" + "pat-" + base62(20, seed: seed) }

    static func storeSecret(prefix: String = "pat", seed: UInt64 = 4) -> TokenSecret {
        var generator = SeededGenerator(seed: seed)
        return TokenSecret.generate(prefix: prefix, using: &generator)
    }

    static func storeToken(prefix: String = "pat", seed: UInt64 = 4) -> String { storeSecret(prefix: prefix, seed: seed).value }

    /// A PEM block with random base64 material.
    static func keyBlock(_ label: String, seed: UInt64 = 5, headers: [String] = []) -> String {
        var generator = SeededGenerator(seed: seed)
        let material = Data((0..<300).map { _ in UInt8(truncatingIfNeeded: generator.next()) }).base64EncodedString()
        var lines = ["-----" + "BEGIN \(label)-----"] + headers
        if !headers.isEmpty { lines.append("") }
        var rest = Substring(material)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        lines.append("-----" + "END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    static func key(_ byte: UInt8) -> SSHPublicKey { try! SSHPublicKey(raw: [UInt8](repeating: byte, count: 32)) }
}

/// Token files for the summary tests.
enum Tokens {
    static func hash(_ seed: UInt64) -> TokenHash { TokenHash(Fake.storeSecret(seed: seed).hashField)! }

    static func make(_ id: String, _ description: String = "CI deploy", seed: UInt64 = 10, expires: String = "2026-12-31T23:59:59Z",
                     preset: String = "Maven Plugin", methods: [String] = ["environment.Control.GetEnvInfo", "environment.Deployment.Deploy"],
                     created: String = "2026-11-23T10:00:00Z") -> Token {
        Token(id: TokenID(id)!, description: description, hash: hash(seed), created: Timestamp.parse(created)!,
              expires: Timestamp.parse(expires)!, api: APIGrant(preset: preset, methods: methods))
    }

    static func files(_ tokens: [Token], extra: [String: String] = [:]) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for token in tokens { files[token.id.path] = Array(TokenFile.encode(token).utf8) }
        for (path, text) in extra { files[path] = Array(text.utf8) }
        return files
    }
}
