import ArgumentParser
import Foundation
import PatCore
import PatSSH
import PatStore

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Manage your signing key: rotate it, or change its password.",
        subcommands: [Rotate.self, Passwd.self])

    /// Where the new password comes from: a file, or the terminal (typed twice).
    struct NewPasswordOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Read the new password from the first line of this file.", valueName: "file"))
        var newPasswordFile: String?

        var input: PasswordInput { newPasswordFile.map(PasswordInput.file) ?? .terminal }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace your signing key by a new one, in one commit signed by the old key.",
            discussion: """
                The new key gets the old one's place in allowed_signers (same principal) and its file (the old file \
                is kept as <path>.old). From the next commit on, only the new key can sign for you.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var newPassword: NewPasswordOptions

        func run() throws {
            let store = try store.open()
            let keyPath = try signing.keyPath(for: store)
            let options = try signing.writeOptions(for: store)
            let password = signing.noPassword ? nil : try newPassword.input.readNew(prompt: "Password for the new key: ")
            let comment = (options.signer as? OpenSSHPrivateKey)?.comment ?? "pat"
            let key = OpenSSHPrivateKey.generate(comment: comment)
            // The new key is on disk before the store trusts it, so a failure can never lock you out.
            let isPublicOnly = keyPath.hasSuffix(".pub")
            let target = isPublicOnly ? String(keyPath.dropLast(4)) + "-rotated" : keyPath
            let staged = target + ".new"
            try KeyFiles.write(key, passphrase: password, to: staged)
            let committed: CommittedChange
            do {
                committed = try store.rotateKey(to: key.publicKey, options)
            } catch {
                try? FileManager.default.removeItem(atPath: staged)
                try? FileManager.default.removeItem(atPath: staged + ".pub")
                throw error
            }
            if !isPublicOnly {
                try? FileManager.default.removeItem(atPath: target + ".old")
                try? FileManager.default.moveItem(atPath: target, toPath: target + ".old")
                try? FileManager.default.removeItem(atPath: target + ".pub")
            }
            try FileManager.default.moveItem(atPath: staged, toPath: target)
            try? FileManager.default.moveItem(atPath: staged + ".pub", toPath: target + ".pub")
            Console.out("key-rotate: now signing with \(key.publicKey.fingerprint) (\(target)); commit \(committed.commit.short)")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the password of your signing key (or give an unprotected key one).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var newPassword: NewPasswordOptions

        func run() throws {
            let keyPath = try signing.keyPath(for: try? store.open())
            let text: String
            do { text = try OpenSSHPrivateKey.readFile(keyPath) } catch { throw StoreError.key(path: keyPath, error) }
            let info: OpenSSHPrivateKey.FileInfo
            do {
                guard case .privateKey(let read) = try KeyFileContents.read(text) else {
                    throw StoreError.password("signing key \(keyPath) is a public key; 'pat key passwd' changes the password of a private key file")
                }
                info = read
            } catch let error as SSHKeyError {
                throw StoreError.key(path: keyPath, error)
            }
            let current = info.isEncrypted ? try signing.passwordInput.read(prompt: "Current password for \(keyPath): ") : nil
            let key: OpenSSHPrivateKey
            do { key = try OpenSSHPrivateKey.parse(text, passphrase: current) } catch { throw StoreError.key(path: keyPath, error) }
            let password = try newPassword.input.readNew(prompt: "New password for \(keyPath): ")
            try KeyFiles.write(key, passphrase: password, to: keyPath)
            Console.out("key passwd: \(keyPath) (\(key.publicKey.fingerprint)) has a new password")
        }
    }
}
