import Foundation
import PatCore
import PatGit

extension TokenOperations {
    /// Many tokens in one commit: for teams moving existing tokens in, and for building large stores quickly.
    /// Every entry is validated first and every problem reported at once (by line); nothing is written unless
    /// all entries are good. `progress` is called as files are prepared. `fileProblems` (what reading the file
    /// found) are reported with the entries' own, in the order of the lines.
    public static func importTokens(_ entries: [ImportEntry], fileProblems: [ImportFileError.Problem] = [], in view: StoreView,
                                    now: Date, catalog: MethodCatalog,
                                    progress: (Int, Int) -> Void = { _, _ in }) throws -> PlannedChange {
        var problems = fileProblems
        var expansions: [String: Result<APIGrant?, TokenValidationError>] = [:]
        var expiries: [String: Result<Date, TokenValidationError>] = [:]
        var seenHashes = Set<TokenHash>()
        var usedIDs = Set<TokenID>()
        for token in try view.tokens() {
            seenHashes.insert(token.hash)
            usedIDs.insert(token.id)
        }
        var tokens: [Token] = []
        var secrets: [TokenID: TokenSecret] = [:]
        tokens.reserveCapacity(entries.count)

        for (index, entry) in entries.enumerated() {
            var lineProblems = DescriptionRules.problems(entry.description).map(\.message)
            let expiry = expiries[entry.expires] ?? expiry(entry.expires, view: view, now: now)
            expiries[entry.expires] = expiry
            let request = TokenSettingsRequest(preset: entry.preset, methods: entry.methods)
            let key = (entry.preset ?? "") + "\u{0}" + entry.methods.joined(separator: "\u{0}")
            let grant = expansions[key] ?? grant(request, view: view, catalog: catalog, required: true)
            expansions[key] = grant
            if case .failure(let error) = expiry { lineProblems += error.problems.map(\.message) }
            if case .failure(let error) = grant { lineProblems += error.problems.map(\.message) }

            var hash: TokenHash?
            if let value = entry.token {
                switch TokenSecret.parse(value, expectedPrefix: view.settings.tokenPrefix) {
                case .success(let parsed): hash = TokenHash(digest: parsed.digest)
                case .failure(let error): lineProblems.append("'token': \(error.message)")
                }
            } else if let text = entry.hash {
                hash = TokenHash(text)
                if hash == nil { lineProblems.append("'hash' is not sha256:<64 lower-case hex digits>") }
            }
            if let hash, !seenHashes.insert(hash).inserted { lineProblems.append("the same token value is already in the store or the file") }

            if !lineProblems.isEmpty {
                problems += lineProblems.map { ImportFileError.Problem(line: entry.line, message: $0) }
                continue
            }
            guard problems.isEmpty, case .success(let expires) = expiry, case .success(let api?) = grant else { continue }
            var id = TokenID.generate()
            while usedIDs.contains(id) { id = TokenID.generate() }
            usedIDs.insert(id)
            let newSecret = hash == nil ? TokenSecret.generate(prefix: view.settings.tokenPrefix) : nil
            let token = Token(id: id, description: entry.description, hash: hash ?? TokenHash(digest: newSecret!.digest),
                              created: now, expires: expires, api: api)
            tokens.append(token)
            if let newSecret { secrets[id] = newSecret }
            if index % 1000 == 0 { progress(index, entries.count) }
        }
        guard problems.isEmpty else { throw ImportFileError(problems: problems) }
        var files: [String: TreeChange] = [:]
        files.reserveCapacity(tokens.count)
        for token in tokens { files[token.id.path] = .write(Array(TokenFile.encode(token).utf8)) }
        progress(entries.count, entries.count)
        let presets = Dictionary(grouping: tokens, by: \.api.preset).map { "\($0.value.count) \($0.key)" }.sorted()
        return PlannedChange(
            files: files,
            message: CommitMessage(operation: .import, subject: "Import \(tokens.count) token\(tokens.count == 1 ? "" : "s")",
                                   body: ["API: \(presets.joined(separator: ", ")).",
                                          "\(secrets.count) with new values, \(tokens.count - secrets.count) keeping an existing value."],
                                   tokens: tokens.count <= 100 ? tokens.map(\.id) : [],
                                   extraTrailers: [("Pat-Token-Count", String(tokens.count))]),
            tokens: tokens, secrets: secrets)
    }
}

extension Store {
    public func importTokens(_ entries: [ImportEntry], _ options: WriteOptions,
                             progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> CommittedChange {
        try importTokens(ImportFile(entries: entries), options, progress: progress)
    }

    public func importTokens(_ file: ImportFile, _ options: WriteOptions,
                             progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> CommittedChange {
        let catalog = try BuiltInTemplates.catalog()
        return try write(options) { view, now in
            try TokenOperations.importTokens(file.entries, fileProblems: file.problems, in: view, now: now, catalog: catalog,
                                             progress: progress)
        }
    }

    /// Every problem of a file that already has some, checked against the store as it is now, without a signer:
    /// nothing would be committed, so no password is asked for. Throws whenever the file has problems.
    public func checkImport(_ file: ImportFile, now: Date = Date()) throws {
        guard !file.problems.isEmpty else { return }
        _ = try TokenOperations.importTokens(file.entries, fileProblems: file.problems, in: try view(), now: now,
                                             catalog: try BuiltInTemplates.catalog())
        throw ImportFileError(problems: file.problems)
    }
}
