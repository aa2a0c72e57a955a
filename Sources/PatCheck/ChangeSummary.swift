import Foundation
import PatCore
import PatSSH

/// What a change does to a store, the part of `pat check` a reviewer reads: tokens added, removed, regenerated,
/// scopes widened or narrowed, expiries moved, signers added or removed (and keys coming back), settings and presets
/// changed.
///
/// It is computed from the store files of two trees. A file that cannot be decoded is listed in `unreadable` and
/// left out of the comparison; saying what is wrong with it in detail is the content check's job.
public struct ChangeSummary: Equatable, Sendable {
    public var tokensAdded: [Token] = []
    public var tokensRemoved: [Token] = []
    /// Tokens in both trees whose content differs.
    public var tokensChanged: [TokenChange] = []
    public var signersAdded: [SignerChange] = []
    public var signersRemoved: [SignerChange] = []
    /// Keys that stay but are trusted under other principals.
    public var signersRenamed: [SignerRename] = []
    public var settingsChanged: [SettingChange] = []
    public var presetsAdded: [PresetChange] = []
    public var presetsRemoved: [PresetChange] = []
    public var presetsChanged: [PresetChange] = []
    public var unreadable: [UnreadableFile] = []

    public init() {}

    public var isEmpty: Bool { self == ChangeSummary() }

    /// Compares the store files of two trees.
    ///
    /// - Parameters:
    ///   - base: the base tree's store files, path to content (`pat.json`, `allowed_signers`, `presets/*.json`,
    ///     `tokens/xx/<id>.json`; other paths are ignored).
    ///   - head: the head tree's store files.
    ///   - removedSigners: keys removed from allowed_signers earlier in the base's history, fingerprint
    ///     (`SHA256:...`) to the principal they had; a key added again is reported as coming back.
    public init(base: [String: [UInt8]], head: [String: [UInt8]], removedSigners: [String: String] = [:]) {
        compareTokens(base: base, head: head)
        compareSigners(base: base[AllowedSigners.path], head: head[AllowedSigners.path], removedSigners: removedSigners)
        compareSettings(base: base[StoreSettings.path], head: head[StoreSettings.path])
        comparePresets(base: base, head: head)
        unreadable.sort { ($0.path, $0.side.rawValue) < ($1.path, $1.side.rawValue) }
    }

    // MARK: Tokens

    static func isTokenPath(_ path: String) -> Bool { path.hasPrefix("tokens/") && path.hasSuffix(".json") }

    private mutating func decodeToken(_ data: [UInt8]?, path: String, side: UnreadableFile.Side) -> Token? {
        guard let data else { return nil }
        do {
            return try TokenFile.decode(data, path: path)
        } catch {
            unreadable.append(UnreadableFile(path: path, side: side, reason: error.reason))
            return nil
        }
    }

    /// Only files whose bytes differ are decoded: an unchanged file can add, remove or change nothing.
    private mutating func compareTokens(base: [String: [UInt8]], head: [String: [UInt8]]) {
        let paths = Set(base.keys.filter(Self.isTokenPath)).union(head.keys.filter(Self.isTokenPath))
        for path in paths {
            let oldData = base[path], newData = head[path]
            guard oldData != newData else { continue }
            let before = decodeToken(oldData, path: path, side: .base)
            let after = decodeToken(newData, path: path, side: .head)
            // A path present on both sides but unreadable on one is neither added nor removed.
            switch (oldData, newData, before, after) {
            case (nil, _, _, let after?): tokensAdded.append(after)
            case (_, nil, let before?, _): tokensRemoved.append(before)
            case (_, _, let before?, let after?) where before != after: tokensChanged.append(TokenChange(old: before, new: after))
            default: break
            }
        }
        tokensAdded.sort { $0.id < $1.id }
        tokensRemoved.sort { $0.id < $1.id }
        tokensChanged.sort { $0.id < $1.id }
    }

    // MARK: Signers

    private mutating func decodeSigners(_ data: [UInt8]?, side: UnreadableFile.Side) -> [String: (key: SSHPublicKey, principals: Set<String>)]? {
        guard let data else { return [:] }
        do {
            let signers = try AllowedSigners.parse(String(decoding: data, as: UTF8.self))
            var byKey: [String: (key: SSHPublicKey, principals: Set<String>)] = [:]
            for entry in signers.entries {
                byKey[entry.key.fingerprint, default: (entry.key, [])].principals.insert(entry.principal)
            }
            return byKey
        } catch {
            unreadable.append(UnreadableFile(path: AllowedSigners.path, side: side, reason: error.description))
            return nil
        }
    }

    private mutating func compareSigners(base: [UInt8]?, head: [UInt8]?, removedSigners: [String: String]) {
        guard base != head else { return }
        let old = decodeSigners(base, side: .base)
        let new = decodeSigners(head, side: .head)
        guard let old, let new else { return }
        for (fingerprint, entry) in new {
            guard let before = old[fingerprint] else {
                for principal in entry.principals {
                    signersAdded.append(SignerChange(principal: principal, fingerprint: fingerprint,
                                                     removedEarlierAs: removedSigners[fingerprint]))
                }
                continue
            }
            if before.principals != entry.principals {
                signersRenamed.append(SignerRename(fingerprint: fingerprint, oldPrincipals: before.principals.sorted(),
                                                   newPrincipals: entry.principals.sorted()))
            }
        }
        for (fingerprint, entry) in old where new[fingerprint] == nil {
            for principal in entry.principals {
                signersRemoved.append(SignerChange(principal: principal, fingerprint: fingerprint, removedEarlierAs: nil))
            }
        }
        let order: (SignerChange, SignerChange) -> Bool = { ($0.principal, $0.fingerprint) < ($1.principal, $1.fingerprint) }
        signersAdded.sort(by: order)
        signersRemoved.sort(by: order)
        signersRenamed.sort { $0.fingerprint < $1.fingerprint }
    }

    // MARK: Settings

    private mutating func decodeSettings(_ data: [UInt8]?, side: UnreadableFile.Side) -> [String: String]? {
        guard let data else { return [:] }
        guard let value = try? JSONValue.parse(data), let object = value.objectValue else {
            unreadable.append(UnreadableFile(path: StoreSettings.path, side: side, reason: "not a JSON object"))
            return nil
        }
        var flat: [String: String] = [:]
        Self.flatten(object, prefix: "", into: &flat)
        return flat
    }

    /// `defaultAuthor.name` for nested objects; every other value as compact JSON.
    static func flatten(_ object: [String: JSONValue], prefix: String, into flat: inout [String: String]) {
        for (key, value) in object {
            if case .object(let inner) = value, !inner.isEmpty {
                flatten(inner, prefix: prefix + key + ".", into: &flat)
            } else {
                flat[prefix + key] = compact(value)
            }
        }
    }

    static func compact(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): JSONText.string(text).compact()
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let items): "[" + items.map(compact).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.keys.sorted().map { JSONText.string($0).compact() + ":" + compact(members[$0]!) }.joined(separator: ",") + "}"
        }
    }

    private mutating func compareSettings(base: [UInt8]?, head: [UInt8]?) {
        guard base != head else { return }
        let old = decodeSettings(base, side: .base)
        let new = decodeSettings(head, side: .head)
        guard let old, let new else { return }
        for key in Set(old.keys).union(new.keys).sorted() where old[key] != new[key] {
            settingsChanged.append(SettingChange(key: key, old: old[key], new: new[key]))
        }
    }

    // MARK: Presets

    static func isPresetPath(_ path: String) -> Bool { path.hasPrefix("presets/") && path.hasSuffix(".json") }

    private mutating func presetName(_ data: [UInt8], path: String, side: UnreadableFile.Side) -> String? {
        do {
            return try PresetFile.decode(data, path: path).name
        } catch {
            unreadable.append(UnreadableFile(path: path, side: side, reason: error.reason))
            return nil
        }
    }

    private mutating func comparePresets(base: [String: [UInt8]], head: [String: [UInt8]]) {
        let paths = Set(base.keys.filter(Self.isPresetPath)).union(head.keys.filter(Self.isPresetPath)).sorted()
        for path in paths {
            switch (base[path], head[path]) {
            case (nil, let new?):
                if let name = presetName(new, path: path, side: .head) { presetsAdded.append(PresetChange(path: path, name: name)) }
            case (let old?, nil):
                if let name = presetName(old, path: path, side: .base) { presetsRemoved.append(PresetChange(path: path, name: name)) }
            case (let old?, let new?) where old != new:
                let oldName = presetName(old, path: path, side: .base)
                if let name = presetName(new, path: path, side: .head), oldName != nil {
                    presetsChanged.append(PresetChange(path: path, name: name))
                }
            default: break
            }
        }
    }
}

/// A token in both trees whose file content differs, and how.
public struct TokenChange: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A new value: the hash changed, the old value no longer verifies.
        case regenerated
        case scopeWidened = "scope-widened"
        case scopeNarrowed = "scope-narrowed"
        case expiryExtended = "expiry-extended"
        case expiryShortened = "expiry-shortened"
        case descriptionChanged = "description-changed"
        case presetChanged = "preset-changed"
        case createdChanged = "created-changed"
    }

    public let old: Token
    public let new: Token
    /// Methods the new file grants that the old did not, sorted.
    public let methodsAdded: [String]
    /// Methods the old file granted that the new does not, sorted.
    public let methodsRemoved: [String]

    public init(old: Token, new: Token) {
        self.old = old
        self.new = new
        let before = Set(old.api.methods), after = Set(new.api.methods)
        methodsAdded = after.subtracting(before).sorted()
        methodsRemoved = before.subtracting(after).sorted()
    }

    public var id: TokenID { new.id }

    /// Every way the token changed, in the order of `Kind.allCases`.
    public var kinds: [Kind] {
        var kinds: [Kind] = []
        if old.hash != new.hash { kinds.append(.regenerated) }
        if !methodsAdded.isEmpty { kinds.append(.scopeWidened) }
        if !methodsRemoved.isEmpty { kinds.append(.scopeNarrowed) }
        if new.expires > old.expires { kinds.append(.expiryExtended) }
        if new.expires < old.expires { kinds.append(.expiryShortened) }
        if old.description != new.description { kinds.append(.descriptionChanged) }
        if old.api.preset != new.api.preset { kinds.append(.presetChanged) }
        if old.created != new.created { kinds.append(.createdChanged) }
        return kinds
    }
}

/// A key added to or removed from allowed_signers under one principal.
public struct SignerChange: Equatable, Sendable {
    public let principal: String
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    public let fingerprint: String
    /// For an added key that was removed earlier in the base's history: the principal it had then.
    public let removedEarlierAs: String?

    public init(principal: String, fingerprint: String, removedEarlierAs: String? = nil) {
        self.principal = principal
        self.fingerprint = fingerprint
        self.removedEarlierAs = removedEarlierAs
    }

    public var isComingBack: Bool { removedEarlierAs != nil }
}

/// A key that stays trusted, under other principals.
public struct SignerRename: Equatable, Sendable {
    public let fingerprint: String
    public let oldPrincipals: [String]
    public let newPrincipals: [String]

    public init(fingerprint: String, oldPrincipals: [String], newPrincipals: [String]) {
        self.fingerprint = fingerprint
        self.oldPrincipals = oldPrincipals
        self.newPrincipals = newPrincipals
    }
}

/// A key of pat.json whose value changed; nested keys are dotted (`defaultAuthor.email`), values are compact JSON
/// (`366`, `"signed"`, `["a.B.*"]`), nil where the key is not set.
public struct SettingChange: Equatable, Sendable {
    public let key: String
    public let old: String?
    public let new: String?

    public init(key: String, old: String?, new: String?) {
        self.key = key
        self.old = old
        self.new = new
    }
}

public struct PresetChange: Equatable, Sendable {
    public let path: String
    public let name: String

    public init(path: String, name: String) {
        self.path = path
        self.name = name
    }
}

/// A store file the summary could not decode, left out of the comparison.
public struct UnreadableFile: Equatable, Sendable {
    public enum Side: String, Sendable { case base, head }
    public let path: String
    public let side: Side
    public let reason: String

    public init(path: String, side: Side, reason: String) {
        self.path = path
        self.side = side
        self.reason = reason
    }
}
