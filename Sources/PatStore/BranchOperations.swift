import Foundation
import PatCore
import PatGit

/// Approvals, merges and policy settings: the writes of a change run as a pull request (docs/pull-requests.md).
extension Store {
    /// A signed commit on `branch` that changes no file and names the tree it approves (`Pat-Approve`): the
    /// branch's tree, as the approver sees it now.
    public func approve(branch: String, _ options: WriteOptions) throws -> CommittedChange {
        guard branch != Store.branchName else { throw StoreError.branchIsMain("pat approve") }
        guard try repository.resolve(reference: try Store.reference(forBranch: branch)) != nil else {
            throw StoreError.unknownRevision(branch, "there is no such branch")
        }
        var options = options
        options.branch = branch
        let main = try view(at: try head())
        return try write(options) { view, _ in
            guard view.tree != main.tree else { throw StoreError.nothingToApprove(branch) }
            return PlannedChange(
                files: [:],
                message: CommitMessage(operation: .approve, subject: "Approve \(branch) at tree \(view.tree.short)",
                                       body: ["The signer of this commit approves the store exactly as tree \(view.tree.hex) holds it."],
                                       extraTrailers: [(CommitMessage.approveTrailer, view.tree.hex)]))
        }
    }

    /// A signed merge commit of `branch` into `target` (default main): first parent the target's head, second the
    /// branch's, tree their merge. `checkedBase` is the target head a check judged: when the target moved since,
    /// the merge is refused instead of merging what nobody checked.
    public func merge(branch: String, into target: String? = nil, checkedBase: ObjectID? = nil, checkedHead: ObjectID? = nil,
                      _ options: WriteOptions) throws -> CommittedChange {
        let branchReference = try Store.reference(forBranch: branch)
        let targetName = target ?? Store.branchName
        guard branchReference != (try Store.reference(forBranch: target)) else { throw StoreError.mergeIntoItself(branch) }
        guard let side = try repository.resolve(reference: branchReference) else {
            throw StoreError.unknownRevision(branch, "there is no such branch")
        }
        // The branch head that was checked is the one merged: a branch that moved since is refused, not merged unseen.
        if let checkedHead, side != checkedHead {
            throw StoreError.mergeMoved("\(branch) moved to \(side.short) after the check of \(checkedHead.short); run the merge again")
        }
        var options = options
        options.branch = target
        return try write(options, parents: { current in [current, side] }) { view, _ in
            if let checkedBase, view.commit != checkedBase {
                throw StoreError.mergeMoved("\(targetName) moved to \(view.commit.short) after the check of \(checkedBase.short); run the merge again")
            }
            if try repository.isAncestor(side, of: view.commit) { throw StoreError.nothingToMerge(branch) }
            let merged = try repository.mergedTree(ours: view.commit, theirs: side)
            guard let tree = merged.tree else {
                throw StoreError.mergeRefused(["\(branch) no longer merges cleanly into \(targetName) (stale base); conflicts in "
                    + merged.conflicts.joined(separator: ", ") + ": bring the branch up to date and check it again"])
            }
            var change = PlannedChange(
                files: [:],
                message: CommitMessage(operation: .merge, subject: "Merge branch '\(branch)' into \(targetName)",
                                       body: ["Merges \(side.short) into \(view.commit.short)."],
                                       extraTrailers: [("Pat-Merged", branch)]))
            change.tree = tree
            return change
        }
    }

    /// The policy keys `pat settings set` changes, and what each takes.
    public static let settingKeys: [(key: String, value: String)] = [
        ("maxLifetimeDays", "days, 1 to 3660"),
        ("merges", MergePolicy.allCases.map(\.rawValue).joined(separator: " or ")),
        ("requiredApprovals", "1 to \(StoreSettings.maximumRequiredApprovals)"),
        ("forbiddenMethods", "comma-separated method names or group.Service.* patterns; empty for none"),
    ]

    /// One setting changed by a signed commit. The commit is judged by the policy before it, so weakening the
    /// policy needs what the old one required.
    public func changeSetting(_ key: String, to value: String, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, _ in
            var settings = view.settings
            switch key {
            case "maxLifetimeDays":
                guard let days = Int(value) else { throw StoreError.invalidSettings(["maxLifetimeDays takes a number of days, not '\(value.prefix(100))'"]) }
                settings.maxLifetimeDays = days
            case "merges":
                guard let merges = MergePolicy(rawValue: value) else {
                    throw StoreError.invalidSettings(["merges takes \(MergePolicy.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")), not '\(value.prefix(100))'"])
                }
                settings.merges = merges
            case "requiredApprovals":
                guard let count = Int(value) else { throw StoreError.invalidSettings(["requiredApprovals takes a number, not '\(value.prefix(100))'"]) }
                settings.requiredApprovals = count
            case "forbiddenMethods":
                settings.forbiddenMethods = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            default:
                throw StoreError.invalidSettings(["unknown setting '\(key.prefix(100))'; the settings are "
                    + Store.settingKeys.map(\.key).joined(separator: ", ")])
            }
            var problems = TokenSettingsRules.problems(settings)
            let people = Set(view.signers.entries.map { $0.principal.lowercased() }).count
            if settings.requiredApprovals > people {
                problems.append("requiredApprovals \(settings.requiredApprovals) is more than the \(people) signer\(people == 1 ? "" : "s") the store trusts: no change could ever carry that many signatures")
            }
            guard problems.isEmpty else { throw StoreError.invalidSettings(problems) }
            guard settings != view.settings else { throw TokenValidationError(.nothingToChange) }
            let before = Self.settingText(key, view.settings)
            let after = Self.settingText(key, settings)
            return PlannedChange(
                files: [StoreSettings.path: .write(Array(settings.encoded().utf8))],
                message: CommitMessage(operation: .settings, subject: "Set \(key) to \(after)",
                                       body: ["\(key): \(before) -> \(after)"], extraTrailers: [("Pat-Setting", key)]))
        }
    }

    static func settingText(_ key: String, _ settings: StoreSettings) -> String {
        switch key {
        case "maxLifetimeDays": "\(settings.maxLifetimeDays)"
        case "merges": settings.merges.rawValue
        case "requiredApprovals": "\(settings.requiredApprovals)"
        default: settings.forbiddenMethods.isEmpty ? "(none)" : settings.forbiddenMethods.joined(separator: ", ")
        }
    }
}
