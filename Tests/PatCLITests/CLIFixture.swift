import Foundation
import PatTestSupport

/// Runs the real `pat` binary against a store in a temporary directory, with a home of its own so that no
/// user configuration (git identity, PAT_* variables) leaks into the test.
final class CLIFixture {
    let directory = TemporaryDirectory("cli")
    let keyPath: String
    let passwordFile: String
    static let password = "correct horse battery staple"
    var store: String { directory.file("store") }

    /// Commands that change the store, and so need the key's password.
    static let writing: Set<String> = ["init", "generate", "edit", "regenerate", "copy", "remove", "import", "signers", "key",
                                       "approve", "merge", "settings"]

    init(initialise: Bool = true) throws {
        keyPath = try sshKeygen(in: directory, comment: "alice@example.com", passphrase: Self.password)
        passwordFile = directory.file("password")
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if initialise {
            let result = try pat(["init", "--store", store, "--signing-key", keyPath])
            guard result.status == 0 else { throw SetupFailure(message: result.stderr) }
        }
    }

    struct SetupFailure: Error { let message: String }

    var environment: [String: String] {
        ["HOME": directory.path, "XDG_CONFIG_HOME": directory.file(".config"), "PAT_STORE": "", "PAT_SIGNING_KEY": "",
         "PAT_HOME": directory.file("pat-home"), "SSH_AUTH_SOCK": "",
         "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
    }

    /// Runs pat; a command that changes the store gets the key's password file unless the test says otherwise.
    @discardableResult
    func pat(_ arguments: [String], stdin: String? = nil, password: Bool = true,
             environment extra: [String: String] = [:], stdout: FileHandle? = nil,
             timeout: TimeInterval? = nil) throws -> ProcessResult {
        let needsPassword = password && Self.writing.contains(arguments.first ?? "")
            && !arguments.contains { ["--password-file", "--password-stdin", "--no-password"].contains($0) }
            && !(arguments.first == "signers" && arguments.dropFirst().first == "list")
            && !(arguments.first == "settings" && arguments.dropFirst().first != "set")
        var env = environment
        for (key, value) in extra { env[key] = value }
        return try run(patExecutable, arguments + (needsPassword ? ["--password-file", passwordFile] : []),
                       environment: env, stdin: stdin, directory: directory.path, stdout: stdout, timeout: timeout)
    }

    /// `pat generate` on this store; returns (id, value).
    func generate(_ description: String, extra: [String] = ["--api", "Maven Plugin"]) throws -> (id: String, value: String) {
        let result = try pat(["generate", "--store", store, "--description", description, "--expires", "+30d", "--json"] + extra)
        guard result.status == 0 else { throw SetupFailure(message: result.stderr) }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let token = (object["tokens"] as! [[String: Any]])[0]
        return (token["id"] as! String, token["token"] as! String)
    }

    func snapshot() throws -> String {
        let refs = try git(["for-each-ref"], in: store).stdout
        let objects = try git(["rev-list", "--objects", "--all"], in: store).stdout
        return refs + objects.split(separator: "\n").sorted().joined(separator: "\n")
    }
}
