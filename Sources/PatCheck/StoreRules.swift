import Foundation
import PatCore
import PatSSH

/// Where files live in a store (docs/store-format.md).
public enum StoreLayout {
    public static func isTokenPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tokens", parts[2].hasSuffix(".json") else { return false }
        let id = parts[2].dropLast(5)
        return TokenID(String(id)) != nil && parts[1] == id.prefix(2)
    }

    /// A path the store's layout has a place for.
    public static func isKnown(_ path: String) -> Bool {
        if [StoreSettings.path, AllowedSigners.path, "README.md", ".gitignore", ".gitkeep"].contains(path) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0] == "presets", parts[1].hasSuffix(".json"), parts[1].count > 5 { return true }
        return isTokenPath(path)
    }
}

/// What a token file or store file added or changed by a pull request must satisfy.
public enum ContentRules {
    public struct Problem: Equatable, Sendable {
        public let message: String
        /// A policy of the base (lifetime, forbidden methods) rather than the file's own validity.
        public let policy: Bool
    }

    /// Every problem of one token file: its schema and path, its description, its methods (known to the catalog, in
    /// canonical spelling, not forbidden), its expiry within the base's maximum lifetime from `writtenAt` (the date
    /// of the commit that wrote it).
    public static func tokenProblems(_ bytes: [UInt8], path: String, catalog: MethodCatalog, policy: StoreSettings,
                                     writtenAt: Date?) -> [Problem] {
        let token: Token
        do { token = try TokenFile.decode(bytes, path: path) } catch {
            return [Problem(message: "not a valid token file: \(error.reason)", policy: false)]
        }
        var problems = DescriptionRules.problems(token.description).map { Problem(message: "description: \($0.message)", policy: false) }
        for method in token.api.methods {
            guard let key = MethodKey(method), let canonical = catalog.canonicalName(key) else {
                problems.append(Problem(message: "grants '\(method.prefix(200))', which is not a method of the API catalog", policy: false))
                continue
            }
            if canonical != method {
                problems.append(Problem(message: "grants '\(method)', which the catalog spells '\(canonical)'", policy: false))
            }
            if policy.forbids(canonical) {
                problems.append(Problem(message: "grants \(canonical), which the base's settings forbid (forbiddenMethods)", policy: true))
            }
        }
        if Set(token.api.methods).count != token.api.methods.count {
            problems.append(Problem(message: "lists a method more than once", policy: false))
        }
        let since = writtenAt ?? token.created
        let cap = AuthorizationSnapshot.latestExpiry(since: since, maxLifetimeDays: policy.maxLifetimeDays)
        if token.expires > cap {
            problems.append(Problem(message: "expires \(CivilDate(containing: token.expires)), beyond the base's maximum lifetime of \(policy.maxLifetimeDays) days from \(CivilDate(containing: since)) (latest \(CivilDate(containing: cap)))", policy: true))
        }
        if token.expires <= token.created {
            problems.append(Problem(message: "expires before it was created", policy: false))
        }
        return problems
    }

    /// The problem of a settings, signers or preset file, if any.
    public static func storeFileProblem(_ bytes: [UInt8], path: String) -> String? {
        do {
            switch path {
            case StoreSettings.path: _ = try StoreSettings.decode(bytes)
            case AllowedSigners.path:
                let signers = try AllowedSigners.parse(String(decoding: bytes, as: UTF8.self))
                if signers.entries.isEmpty { return "lists no signer: nobody could change the store any more" }
            default:
                if path.hasPrefix("presets/") { _ = try PresetFile.decode(bytes, path: path) }
            }
            return nil
        } catch let error as StoreFileError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }
}

/// Whether a commit's trailers say what it changes: `Pat-Operation`, and `Pat-Token` for exactly the token files it
/// writes or removes. A reviewer reads the trailers in `git log`; a commit whose trailers lie misleads them.
public enum TrailerRules {
    public static func findings(message: String, changes: [String], commit: String) -> [CheckFinding] {
        let trailers = CommitMessage.trailers(of: message)
        func finding(_ text: String) -> CheckFinding { CheckFinding(category: .content, message: text, commit: commit) }
        guard let operationText = trailers.last(where: { $0.key == "Pat-Operation" })?.value else {
            return [finding("its message has no Pat-Operation trailer, so git log does not say what it changes (pat writes one on every commit)")]
        }
        guard let operation = CommitMessage.Operation(rawValue: operationText) else {
            return [finding("its Pat-Operation trailer names '\(operationText.prefix(100))', which is no pat operation")]
        }
        let named = Set(trailers.filter { $0.key == "Pat-Token" }.map(\.value))
        let tokenPaths = changes.filter(StoreLayout.isTokenPath)
        let touched = Set(tokenPaths.map { String($0.split(separator: "/")[2].dropLast(5)) })
        let others = Set(changes.filter { !StoreLayout.isTokenPath($0) })
        var findings: [CheckFinding] = []
        switch operation {
        case .generate, .edit, .regenerate, .copy, .remove, .import:
            if named != touched {
                let unnamed = touched.subtracting(named).sorted()
                let untouched = named.subtracting(touched).sorted()
                var parts: [String] = []
                if !unnamed.isEmpty { parts.append("it changes \(unnamed.joined(separator: ", ")) without a Pat-Token trailer") }
                if !untouched.isEmpty { parts.append("its Pat-Token trailers name \(untouched.joined(separator: ", ")), which it does not change") }
                findings.append(finding("a \(operation.rawValue) commit whose trailers do not match it: " + parts.joined(separator: "; ")))
            }
            if !others.isEmpty { findings.append(finding("a \(operation.rawValue) commit that also changes \(others.sorted().joined(separator: ", "))")) }
        case .signersAdd, .signersRemove, .keyRotate:
            let extra = Set(changes).subtracting([AllowedSigners.path])
            if !extra.isEmpty { findings.append(finding("a \(operation.rawValue) commit that also changes \(extra.sorted().joined(separator: ", "))")) }
        case .settings:
            let extra = Set(changes).subtracting([StoreSettings.path])
            if !extra.isEmpty { findings.append(finding("a settings commit that also changes \(extra.sorted().joined(separator: ", "))")) }
        case .approve:
            if !changes.isEmpty { findings.append(finding("an approval that changes \(changes.sorted().joined(separator: ", ")); an approval changes no file")) }
        case .initialize:
            findings.append(finding("an init commit inside a change: a store has one, its first"))
        case .merge:
            break
        }
        return findings
    }
}
