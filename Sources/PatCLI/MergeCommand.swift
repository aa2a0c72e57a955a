import ArgumentParser
import Foundation
import PatCore
import PatGit
import PatReview
import PatStore
import PatVerifier

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a branch into main with a signed merge commit, after the checks 'pat check' runs.",
        discussion: "Refuses when the branch would not verify on main, when it lacks the approvals the store requires (your own signature as the merger counts), or when it no longer merges cleanly.")
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The branch to merge.", valueName: "branch"))
    var branch: String
    @Option(help: ArgumentHelp("The branch to merge into.", valueName: "branch"))
    var into = "main"
    @OptionGroup var signing: SigningOptions

    func run() throws {
        let store = try store.open()
        let options = try signing.writeOptions(for: store)
        let target = into == Store.branchName ? nil : into
        for name in [branch, into] where name == "HEAD" || !Repository.isValidReferenceName("refs/heads/\(name)") || name.hasPrefix("-") {
            throw StoreError.invalidBranch(name)
        }
        guard branch != into else { throw StoreError.mergeIntoItself(branch) }
        let base = try store.commit(forRevision: "refs/heads/\(into)")
        let head = try store.commit(forRevision: "refs/heads/\(branch)")
        // The checks `pat check` runs; any finding refuses the merge.
        let report = try PullRequestCheck(storePath: store.path, base: base.hex, head: head.hex, trustRoot: nil,
                                          catalog: try BuiltInTemplates.catalog()).run()
        if !report.findings.isEmpty {
            throw StoreError.mergeRefused(report.findings.map { finding in
                [finding.commit.map { "commit \($0.prefix(10))" }, finding.path].compactMap { $0 }.joined(separator: ", ")
                    + (finding.commit == nil && finding.path == nil ? "" : ": ") + finding.message
            })
        }
        let landing: Landing
        do {
            landing = try LandingCheck.run(path: store.path, base: base, head: head, trustRoot: nil)
        } catch let error as VerifierError {
            throw StoreError.mergeRefused([error.description])
        }
        guard landing.refusals.isEmpty else { throw StoreError.mergeRefused(landing.refusals.map(\.description)) }
        let merger = try store.view(at: base).signers.principal(for: options.signer.publicKey)
        let signatures = landing.principals.union(merger.map { [$0] } ?? [])
        if signatures.count < landing.required {
            let missing = landing.signers.filter { !signatures.contains($0) }.sorted()
            throw StoreError.mergeRefused(["\(branch) carries \(signatures.count) of the \(landing.required) signatures the store requires ("
                + signatures.sorted().joined(separator: ", ") + "); approvals from " + missing.joined(separator: ", ") + " would count ('pat approve \(branch)')"])
        }
        let committed = try store.merge(branch: branch, into: target, checkedBase: base, checkedHead: head, options)
        Console.out("merge: \(branch) into \(into); commit \(committed.commit.short)")
    }
}
