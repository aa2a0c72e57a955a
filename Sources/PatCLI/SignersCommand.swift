import ArgumentParser
import Foundation
import PatCore
import PatSSH
import PatStore

struct SignersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signers",
        abstract: "Who may sign changes to the store (its allowed_signers file).",
        subcommands: [List.self, Add.self, Remove.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted signers.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let signers = try store.open().view().signers
            if output.json {
                Console.out(JSONText.array(signers.entries.map { entry in
                    .object([("principal", .string(entry.principal)), ("fingerprint", .string(entry.key.fingerprint)),
                             ("key", .string(entry.key.line))])
                }).rendered())
            } else {
                Console.out(Render.table([["PRINCIPAL", "FINGERPRINT"]] + signers.entries.map { [$0.principal, $0.key.fingerprint] }))
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust a new signer from the next commit on.",
            discussion: "KEYFILE is an ed25519 public key (as in id_ed25519.pub) or a private key file, whose public half is used.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("A name for the signer, e.g. an e-mail address.", valueName: "principal"))
        var principal: String
        @Argument(help: ArgumentHelp("The signer's public key file.", valueName: "keyfile"))
        var keyFile: String
        @OptionGroup var signing: SigningOptions
        @OptionGroup var branch: BranchOptions

        func run() throws {
            let key = try Self.publicKey(from: keyFile)
            let store = try store.open()
            let committed = try store.addSigner(principal, key: key, try signing.writeOptions(for: store, branch: branch))
            Console.out("signers-add: \(principal) \(key.fingerprint); commit \(committed.commit.short)\(Render.onBranch(committed.branch))")
        }

        static func publicKey(from path: String) throws -> SSHPublicKey {
            do {
                return try KeyFileContents.read(try OpenSSHPrivateKey.readFile(path)).publicKey
            } catch {
                throw StoreError.signerKey(path: path, error)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a signer from the next commit on.")
        @OptionGroup var store: StoreOptions
        @Argument(help: ArgumentHelp("The signer's name, as 'pat signers list' shows it.", valueName: "principal"))
        var principal: String
        @OptionGroup var signing: SigningOptions
        @OptionGroup var branch: BranchOptions

        func run() throws {
            let store = try store.open()
            let committed = try store.removeSigner(principal, try signing.writeOptions(for: store, branch: branch))
            Console.out("signers-remove: \(principal); commit \(committed.commit.short)\(Render.onBranch(committed.branch))")
        }
    }
}
