import ArgumentParser
import Foundation
import PatGit
import PatVerifier

/// How a verifier is pinned and remembers what it verified; shared by `pat verify` and `pat serve`.
struct TrustOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Keys trusted to sign the store's first commit (allowed_signers format), pinned outside the store.", valueName: "file"))
    var allowedSigners: String?

    @Option(help: ArgumentHelp("The store's first commit id; its allowed_signers file starts the chain of trust.", valueName: "commit"))
    var trustRoot: String?

    @Option(help: ArgumentHelp("Remembers the last verified head; a head that does not descend from it is refused (anti-rollback).", valueName: "file"))
    var state: String?

    @Option(help: ArgumentHelp("Refuse to authorise when the verified head is older than this: 90s, 30m, 12h, 7d.", valueName: "duration"))
    var maxAge: String?

    func validate() throws {
        if allowedSigners != nil && trustRoot != nil { throw ValidationError("give --allowed-signers or --trust-root, not both") }
        if let trustRoot, ObjectID(hex: trustRoot) == nil { throw ValidationError("--trust-root takes a full 40-character commit id") }
        if let maxAge, Self.seconds(maxAge) == nil { throw ValidationError("--max-age takes a duration such as 90s, 30m, 12h or 7d") }
    }

    var maxAgeSeconds: TimeInterval? { maxAge.flatMap(Self.seconds) }

    static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Double(text.dropLast()), count > 0 else { return nil }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3600
        case "d": return count * 86_400
        default: return nil
        }
    }

    func pinnedRoot() throws -> TrustRoot {
        if let allowedSigners { return try TrustRoot.load(allowedSignersFile: allowedSigners) }
        if let trustRoot, let id = ObjectID(hex: trustRoot) { return .commit(id) }
        throw VerifierError.noTrustRoot
    }

    func checkStoreExists(_ store: String) throws {
        guard FileManager.default.fileExists(atPath: store) else { throw VerifierError.git("no store at \(store)") }
    }

    func makeVerifier(store: String, revision: String? = nil) throws -> StoreVerifier {
        let root = try pinnedRoot()
        try checkStoreExists(store)
        return try StoreVerifier(path: store, trustRoot: root, stateFile: state, revision: revision ?? StoreVerifier.branch)
    }
}
