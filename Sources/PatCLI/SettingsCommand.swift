import ArgumentParser
import Foundation
import PatCore
import PatStore

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show the store's settings, or change one by a signed commit.",
        subcommands: [Show.self, Set.self],
        defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the store's settings and policy.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var ref: RefOption
        @OptionGroup var output: JSONOption

        func run() throws {
            let (opened, commit) = try store.open(reading: ref)
            let settings = try opened.view(at: commit).settings
            if output.json {
                Console.out(JSONText.object([
                    ("tokenPrefix", .string(settings.tokenPrefix)), ("maxLifetimeDays", .int(settings.maxLifetimeDays)),
                    ("merges", .string(settings.merges.rawValue)), ("requiredApprovals", .int(settings.requiredApprovals)),
                    ("forbiddenMethods", .array(settings.forbiddenMethods.map(JSONText.string))),
                ]).rendered())
            } else {
                Console.out(Render.table([
                    ["tokenPrefix", settings.tokenPrefix],
                    ["maxLifetimeDays", "\(settings.maxLifetimeDays)"],
                    ["merges", settings.merges.rawValue],
                    ["requiredApprovals", "\(settings.requiredApprovals)"],
                    ["forbiddenMethods", settings.forbiddenMethods.isEmpty ? "(none)" : settings.forbiddenMethods.joined(separator: ", ")],
                ]))
            }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change one setting in a signed commit.",
            discussion: "Settings: " + Store.settingKeys.map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
                + ". A change that weakens the policy is judged by the policy before it, so it needs the approvals that one required.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The setting.", valueName: "key"))
        var key: String
        @Argument(help: ArgumentHelp("Its new value.", valueName: "value"))
        var value: String
        @OptionGroup var signing: SigningOptions
        @OptionGroup var branch: BranchOptions

        func run() throws {
            let store = try store.open()
            let committed = try store.changeSetting(key, to: value, try signing.writeOptions(for: store, branch: branch))
            Console.out("settings: \(committed.change.message.subject); commit \(committed.commit.short)\(Render.onBranch(branch.branch))")
        }
    }
}

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a branch as it stands: a signed commit on it that changes nothing and names its tree.",
        discussion: "An approval counts for exactly that tree and once per signer; a later change on the branch needs new approvals.")
    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The branch to approve.", valueName: "branch"))
    var branch: String
    @OptionGroup var signing: SigningOptions

    func run() throws {
        let store = try store.open()
        let committed = try store.approve(branch: branch, try signing.writeOptions(for: store))
        Console.out("approve: \(branch) at tree \(committed.change.message.subject.split(separator: " ").last ?? ""); commit \(committed.commit.short)")
    }
}
