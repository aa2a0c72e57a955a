import Foundation
import PatCheck
import PatCore
import PatGit
import PatSSH
import PatVerifier

/// Why `pat check` could not check at all (exit status 3): the store or a ref could not be read.
public struct CheckFailure: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `pat check`: everything wrong with landing `head` on `base`, reported at once (docs/pull-requests.md). Trust and
/// policy come from the base; the history is judged by the verifier's own trust rule (`LandingCheck`).
public struct PullRequestCheck {
    public let storePath: String
    public let base: String
    public let head: String
    public let trustRoot: TrustRoot?
    public let catalog: MethodCatalog

    public init(storePath: String, base: String, head: String, trustRoot: TrustRoot?, catalog: MethodCatalog) {
        self.storePath = storePath
        self.base = base
        self.head = head
        self.trustRoot = trustRoot
        self.catalog = catalog
    }

    public func run() throws(CheckFailure) -> CheckReport {
        do {
            return try check()
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            throw CheckFailure((error as? GitError)?.description ?? "\(error)")
        }
    }

    private func check() throws -> CheckReport {
        let repository: Repository
        do { repository = try Repository.open(at: storePath) } catch {
            throw CheckFailure("cannot open the store at \(storePath): \(error.message)")
        }
        func resolve(_ revision: String) throws -> ObjectID {
            do { return try repository.resolveCommit(revision: revision) } catch {
                throw CheckFailure("'\(revision.prefix(200))' names no commit of the store: \(error.message)")
            }
        }
        let baseID = try resolve(base)
        let headID = try resolve(head)
        var findings: [CheckFinding] = []
        let baseTree = try repository.commit(baseID).tree
        let headTree = try repository.commit(headID).tree
        guard let settingsBytes = try repository.file(atPath: StoreSettings.path, inTree: baseTree) else {
            throw CheckFailure("the base \(base) has no \(StoreSettings.path): it is not a pat store")
        }
        let policy: StoreSettings
        do { policy = try StoreSettings.decode(settingsBytes) } catch {
            throw CheckFailure("the base's \(error.description): it cannot judge a change")
        }

        // History: the trust rule, as the verifier will apply it once the change is on main.
        var landing: Landing?
        do {
            landing = try LandingCheck.run(path: storePath, base: baseID, head: headID, trustRoot: trustRoot)
        } catch let error as VerifierError {
            if error.isReadFailure { throw CheckFailure(error.description) }
            findings.append(CheckFinding(category: .history, message: error.description))
        }
        for refusal in landing?.refusals ?? [] {
            findings.append(CheckFinding(category: .history, message: refusal.description))
        }
        if let conflict = landing?.conflict {
            findings.append(CheckFinding(category: .history, message: "stale base: \(conflict); bring the branch up to date with \(base) and check again"))
        }
        // Every commit the change brings, side branches merged into it included (not only its first-parent line).
        let range = try Self.commits(repository, from: headID, notReachableFrom: baseID)

        // Each commit of the range: secrets in its message and in what it adds, trailers against what it changes.
        let scanner = SecretScanner(storePrefixes: [policy.tokenPrefix])
        var writtenAt: [String: Date] = [:]
        let folders = TreeDiff.Cache()
        // The last content each path got in the range: the head's, unless a later commit changed it again, so the
        // content check below reads no blob twice.
        var lastWritten: [String: (blob: ObjectID, bytes: [UInt8])] = [:]
        for id in range {
            let info = try repository.commit(id)
            findings += scanner.findings(in: Array(info.message.utf8), commit: id.hex, path: nil)
            for identity in [info.author, info.committer] {
                findings += scanner.findings(in: Array("\(identity.name) <\(identity.email)>".utf8), commit: id.hex, path: nil)
            }
            let parentTree = try info.parents.first.map { try repository.commit($0).tree }
            let changes = try TreeDiff.changes(repository, from: parentTree, to: info.tree, cache: folders)
            for change in changes {
                if let blob = change.new, change.newIsFile {
                    let bytes = try repository.readBlob(blob)
                    var found = scanner.findings(in: bytes, commit: id.hex, path: change.path)
                    // JSON can spell a value with escapes (`ghp\u005f...`): its decoded strings are scanned too.
                    if found.isEmpty, change.path.hasSuffix(".json"), bytes.contains(UInt8(ascii: "\\")),
                       let value = try? JSONValue.parse(bytes) {
                        found = scanner.findings(in: Array(Self.strings(in: value).joined(separator: "\n").utf8), commit: id.hex,
                                                 path: change.path)
                    }
                    findings += found
                    lastWritten[change.path] = (blob, bytes)
                }
                if StoreLayout.isTokenPath(change.path) { writtenAt[change.path] = info.time }
            }
            if info.parents.count == 1 {
                findings += TrailerRules.findings(message: info.message, changes: changes.map(\.path), commit: id.hex)
            }
        }

        // Content of the head: every file the change touches, where the layout says and valid. A change that must be
        // merged is compared with where it forked, so what main did meanwhile is not counted as the change's.
        let changedFrom = try landing?.forkPoint.map { try repository.commit($0).tree } ?? baseTree
        let changed = try TreeDiff.changes(repository, from: changedFrom, to: headTree)
        var baseFiles: [String: [UInt8]] = [:]
        var headFiles: [String: [UInt8]] = [:]
        for path in [StoreSettings.path, AllowedSigners.path] {
            baseFiles[path] = try repository.file(atPath: path, inTree: changedFrom)
            headFiles[path] = try repository.file(atPath: path, inTree: headTree)
        }
        var newHashes: [String: String] = [:]
        /// The hash of each token file the change leaves in head (nil: it does not decode).
        var headHashes: [String: String?] = [:]
        for change in changed {
            if let old = change.old, change.oldIsFile { baseFiles[change.path] = try repository.readBlob(old) }
            guard let new = change.new else { continue }
            guard StoreLayout.isKnown(change.path), change.newIsFile else {
                findings.append(CheckFinding(category: .content, message: change.newIsFile
                    ? "a file outside the store's layout (pat.json, allowed_signers, presets/<name>.json, tokens/<id[0:2]>/<id>.json)"
                    : "not a regular file (a folder, link or submodule where the layout has a file)", path: change.path))
                continue
            }
            let known = lastWritten[change.path].flatMap { $0.blob == new ? $0.bytes : nil }
            let bytes = try known ?? repository.readBlob(new)
            headFiles[change.path] = bytes
            if StoreLayout.isTokenPath(change.path) {
                let problems = ContentRules.tokenProblems(bytes, path: change.path, catalog: catalog, policy: policy,
                                                          writtenAt: writtenAt[change.path])
                findings += problems.map { CheckFinding(category: $0.policy ? .policy : .content, message: $0.message, path: change.path) }
                let hash = (try? TokenFile.decode(bytes, path: change.path))?.hash.description
                headHashes[change.path] = .some(hash)
                if let hash { newHashes[hash] = change.path }
            } else if let problem = ContentRules.storeFileProblem(bytes, path: change.path) {
                findings.append(CheckFinding(category: .content, message: problem, path: change.path))
            }
        }
        // No two token files with one hash: the new ones against every token of the head.
        if !newHashes.isEmpty {
            var holders: [String: [String]] = [:]
            // Against the head's tokens and the base's: a merge brings main's tokens in too.
            var seenPaths = Set<String>()
            for (path, blob) in try TreeDiff.files(repository, in: headTree, under: "tokens") + TreeDiff.files(repository, in: baseTree, under: "tokens")
                where seenPaths.insert(path).inserted {
                let hash = try headHashes[path] ?? (try? TokenFile.decode(try repository.readBlob(blob), path: path))?.hash.description
                guard let hash, newHashes[hash] != nil else { continue }
                holders[hash, default: []].append(path)
            }
            for paths in holders.values where paths.count > 1 {
                for path in paths.sorted() where newHashes.values.contains(path) {
                    findings.append(CheckFinding(category: .content, message: "holds the same hash as \(paths.filter { $0 != path }.sorted().joined(separator: ", ")): every token sharing a hash is denied", path: path))
                }
            }
        }

        var approvals: CheckReport.Approvals?
        if let landing {
            let approved = landing.principals.sorted()
            approvals = CheckReport.Approvals(count: approved.count, required: landing.required, approvedBy: approved,
                                              couldApprove: landing.signers.filter { !landing.principals.contains($0) }.sorted())
            // The merger's own signature counts: a finding only when even that would not be enough.
            if approved.count + 1 < landing.required {
                findings.append(CheckFinding(category: .policy, message: "carries \(approved.count) of the \(landing.required) signatures the base requires; even with the merger's there would be \(approved.count + 1): more approvals are needed ('pat approve')"))
            }
        }
        let summary = ChangeSummary(base: baseFiles, head: headFiles, removedSigners: try Self.removedSigners(repository, before: baseID))
        return CheckReport(base: .init(name: base, commit: baseID.hex), head: .init(name: head, commit: headID.hex),
                           findings: findings, summary: summary, approvals: approvals)
    }

    /// Every string in a JSON value (keys too).
    static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.flatMap(strings)
        case .object(let members): members.flatMap { [$0.key] + strings(in: $0.value) }
        default: []
        }
    }

    /// Commits reachable from `head` and not from `base`, oldest first: two full walks, no dates involved.
    static func commits(_ repository: Repository, from head: ObjectID, notReachableFrom base: ObjectID) throws -> [ObjectID] {
        let known = Set(try repository.history(from: base))
        return try repository.history(from: head).filter { !known.contains($0) }.reversed()
    }

    /// Keys removed earlier in the base's history (their `Pat-Signer-Removed` trailers), fingerprint to principal.
    static func removedSigners(_ repository: Repository, before base: ObjectID) throws -> [String: String] {
        var removed: [String: String] = [:]
        for id in try repository.history(from: base) {
            let message = try repository.commit(id).message
            let trailers = CommitMessage.trailers(of: message)
            guard trailers.contains(where: { $0.key == "Pat-Operation" && $0.value == CommitMessage.Operation.signersRemove.rawValue }) else { continue }
            let principal = message.split(separator: "\n").first.map { String($0.dropFirst("Stop trusting signer ".count)) } ?? ""
            for trailer in trailers where trailer.key == "Pat-Signer-Removed" && removed[trailer.value] == nil {
                removed[trailer.value] = principal
            }
        }
        return removed
    }
}
