import Foundation

/// The allowed_signers file (ssh-keygen(1) ALLOWED SIGNERS): `principals [options] keytype base64key [comment]`.
/// pat writes one ed25519 key per line with namespaces="git"; it reads what it writes and refuses the rest.
public struct AllowedSigners: Equatable, Sendable {
    public static let path = "allowed_signers"

    public struct Entry: Equatable, Sendable {
        public var principal: String
        public var key: SSHPublicKey

        public init(principal: String, key: SSHPublicKey) {
            self.principal = principal
            self.key = key
        }

        public var line: String { "\(principal) namespaces=\"git\" \(key.line)" }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public func principal(for key: SSHPublicKey) -> String? { entries.first { $0.key == key }?.principal }

    public var text: String { entries.map(\.line).joined(separator: "\n") + (entries.isEmpty ? "" : "\n") }

    /// Principals are an email-like word: no spaces, commas, quotes or wildcards, which ssh-keygen would read as patterns.
    public static func isValidPrincipal(_ principal: String) -> Bool {
        !principal.isEmpty && principal.count <= 256 && principal.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7F && !",\"'*?!#".unicodeScalars.contains(scalar)
        }
    }

    /// Key types start with ssh-, ecdsa- or sk-; anything else in second place is an option list.
    static func looksLikeKeyType(_ field: String) -> Bool {
        ["ssh-", "ecdsa-", "sk-"].contains { field.hasPrefix($0) }
    }

    public static func parse(_ text: String) throws(AllowedSignersError) -> AllowedSigners {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 3, isValidPrincipal(fields[0]) else {
                throw .badLine(number, "expected: principal [namespaces=\"git\"] ssh-ed25519 BASE64")
            }
            var rest = Array(fields.dropFirst())
            if let first = rest.first, !looksLikeKeyType(first) {
                guard rest.first == "namespaces=\"git\"" else {
                    throw .badLine(number, "the only option pat accepts is namespaces=\"git\"")
                }
                rest.removeFirst()
            }
            guard rest.count >= 2 else { throw .badLine(number, "missing key") }
            do {
                entries.append(Entry(principal: fields[0], key: try SSHPublicKey(line: rest.joined(separator: " "))))
            } catch {
                throw .badLine(number, error.description)
            }
        }
        return AllowedSigners(entries: entries)
    }
}

public enum AllowedSignersError: Error, Equatable, Sendable, CustomStringConvertible {
    case badLine(Int, String)

    public var description: String {
        switch self {
        case .badLine(let line, let reason): "allowed_signers line \(line): \(reason)"
        }
    }
}
