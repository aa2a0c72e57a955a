import ArgumentParser
import Foundation
import PatCore
import PatStore
import PatVerifier

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Decide offline whether a token may call a method now.",
        discussion: """
            Verifies the store's signed history from the pinned trust root, then decides. Exit status: 0 allowed, \
            1 denied, 2 could not decide (no trust root, a refused or unavailable store). The token is never printed.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var ref: RefOption
    @Option(help: ArgumentHelp("Read the token from this file.", valueName: "file"))
    var tokenFile: String?
    @Flag(help: "Read the token from standard input.")
    var tokenStdin = false
    @Option(help: ArgumentHelp("The method to call: group.Service.Method (env. for environment.).", valueName: "method"))
    var method: String?
    @Option(help: ArgumentHelp("The platform URL of the call, e.g. /1.0/environment/control/rest/stopenv?envName=x.", valueName: "url"))
    var url: String?
    @Option(help: ArgumentHelp("Decide as of this UTC time (yyyy-mm-ddThh:mm:ssZ) instead of now.", valueName: "time"))
    var at: String?
    @OptionGroup var trust: TrustOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        if (tokenFile == nil) == !tokenStdin { throw ValidationError("give exactly one of --token-file or --token-stdin") }
        if (method == nil) == (url == nil) { throw ValidationError("give exactly one of --method or --url") }
        if let at, Timestamp.parse(at) == nil { throw ValidationError("--at takes a UTC time like 2026-12-31T23:59:59Z") }
    }

    func run() throws {
        let decision: Decision
        do {
            decision = try decide()
        } catch {
            Console.error(String(describing: error))
            throw CommandFailure(code: 2)
        }
        if output.json {
            var members: [(String, JSONText)] = [("result", .int(decision.result.rawValue))]
            if let error = decision.error { members.append(("error", .string(error))) }
            if let id = decision.tokenID { members.append(("token_id", .string(id.rawValue))) }
            if let permission = decision.permission { members.append(("permission", .string(permission))) }
            Console.out(JSONText.object(members).compact())
        } else if decision.isAllowed {
            Console.out("allowed: token \(decision.tokenID!) may call \(decision.permission!)")
        } else {
            Console.out("denied (\(decision.result.rawValue)): \(decision.error ?? "")")
        }
        switch decision.result {
        case .ok: return
        case .storeUnavailable: throw CommandFailure(code: 2)
        default: throw CommandFailure(code: 1)
        }
    }

    static let problemsShown = 20

    private func decide() throws -> Decision {
        let token = try readToken()
        let verifier = try trust.makeVerifier(store: store.path, revision: ref.ref)
        if case .refused(let error) = verifier.refresh() {
            Console.note("pat: warning: \(error)")
        }
        // Token files the verified commit holds but cannot use: each of them is denied.
        let problems = verifier.current?.problems ?? []
        for problem in problems.prefix(Self.problemsShown) { Console.note("pat: warning: \(problem)") }
        if problems.count > Self.problemsShown {
            Console.note("pat: warning: and \(problems.count - Self.problemsShown) more token files with problems (`pat serve`'s /healthz lists them all)")
        }
        let catalog = try BuiltInTemplates.catalog()
        let methodName: String
        if let url {
            guard let permission = MethodPermission(urlPath: url, catalog: catalog) else {
                throw StoreError.invalidURL(String(url.prefix(200)))
            }
            methodName = permission.name
        } else {
            methodName = method ?? ""
        }
        let now = at.flatMap(Timestamp.parse) ?? Date()
        return Authorizer.decide(verifier.current?.authorization, token: token, method: methodName, at: now,
                                 catalog: catalog, maxAge: trust.maxAgeSeconds)
    }

    private func readToken() throws -> String {
        let data: Data
        if let tokenFile {
            guard let contents = FileManager.default.contents(atPath: tokenFile) else { throw StoreError.tokenInput("cannot read \(tokenFile)") }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        // A token is short; anything long is not one and is not worth reading into memory.
        guard data.count <= 4096 else { throw StoreError.tokenInput("the token input is longer than any token") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
