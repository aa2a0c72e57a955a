import Foundation
import PatTestSupport
import Testing

@Suite struct VerifyCommandTests {
    final class Setup {
        let cli: CLIFixture
        let id: String
        let tokenFile: String
        let pinned: String

        init() throws {
            cli = try CLIFixture()
            let (id, value) = try cli.generate("stopper", extra: ["--method", "environment.Control.StopEnv"])
            self.id = id
            tokenFile = cli.directory.file("token")
            try (value + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            pinned = cli.directory.file("pinned")
            try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
        }

        func verify(_ extra: [String], stdin: String? = nil) throws -> ProcessResult {
            try cli.pat(["verify", "--store", cli.store, "--allowed-signers", pinned] + extra, stdin: stdin)
        }
    }

    @Test func exitStatusSaysAllowedDeniedOrUndecided() throws {
        let setup = try Setup()
        let allowed = try setup.verify(["--token-file", setup.tokenFile, "--url", "/1.0/environment/control/rest/stopenv?envName=x", "--json"])
        #expect(allowed.status == 0)
        #expect(allowed.stdout == #"{"result":0,"token_id":"\#(setup.id)","permission":"environment.Control.StopEnv"}"# + "\n")

        let denied = try setup.verify(["--token-file", setup.tokenFile, "--method", "env.control.startenv"])
        #expect(denied.status == 1)
        #expect(denied.stdout == "denied (8202): permission denied: token \(setup.id) does not grant environment.Control.StartEnv\n")

        let expired = try setup.verify(["--token-file", setup.tokenFile, "--method", "env.control.stopenv", "--at", "2099-01-01T00:00:00Z"])
        #expect(expired.status == 1)
        #expect(expired.stdout.hasPrefix("denied (8204): token \(setup.id) expired at "))

        let piped = try setup.verify(["--token-stdin", "--method", "environment.Control.StopEnv"], stdin: "pat_notatoken\n")
        #expect(piped.status == 1)
        #expect(piped.stdout.hasPrefix("denied (8201): malformed token"))
        #expect(!piped.stdout.contains("pat_notatoken") && !piped.stderr.contains("pat_notatoken"))

        let unpinned = try setup.cli.pat(["verify", "--store", setup.cli.store, "--token-file", setup.tokenFile, "--method", "a.b.c"])
        #expect(unpinned.status == 2)
        #expect(unpinned.stderr.hasPrefix("pat: error: no trust root: pin one with --allowed-signers FILE"))
    }

    @Test func anUnsignedHeadIsRefusedAndTheStateKeepsTheLastGoodAnswer() throws {
        let setup = try Setup()
        let state = setup.cli.directory.file("state")
        #expect(try setup.verify(["--token-file", setup.tokenFile, "--method", "environment.Control.StopEnv", "--state", state]).status == 0)

        // Someone pushes an unsigned commit that removes the token.
        let work = setup.cli.directory.file("work")
        try git(["clone", "-q", setup.cli.store, work])
        try git(["rm", "-q", "-r", "tokens"], in: work)
        try git(["commit", "-q", "-m", "sneaky removal"], in: work)
        try git(["push", "-q", "origin", "main"], in: work)

        let withState = try setup.verify(["--token-file", setup.tokenFile, "--method", "environment.Control.StopEnv", "--state", state])
        #expect(withState.status == 0)
        #expect(withState.stderr.contains("pat: warning: refused commit"))
        #expect(withState.stderr.contains("it is not signed"))

        let withoutState = try setup.verify(["--token-file", setup.tokenFile, "--method", "environment.Control.StopEnv"])
        #expect(withoutState.status == 2)
        #expect(withoutState.stdout.hasPrefix("denied (8206): the token store is not available"))
    }

    /// A signed commit copies the token's file under a second id: `pat verify` says why the token is denied and lists
    /// the token files it cannot use.
    @Test func aSharedHashIsNamedAndTheProblemsAreListed() throws {
        let setup = try Setup()
        let cli = setup.cli
        let bob = try sshKeygen(in: cli.directory, name: "bob", comment: "bob@example.com")
        try #require(cli.pat(["signers", "add", "bob@example.com", bob + ".pub", "--store", cli.store]).status == 0)
        let path = "tokens/\(setup.id.prefix(2))/\(setup.id).json"
        let file = try git(["show", "main:\(path)"], in: cli.store).stdout
        let copyID = String(setup.id.prefix(2)) + String(setup.id.dropFirst(2).reversed())
        let copyPath = "tokens/\(copyID.prefix(2))/\(copyID).json"
        let copy = file.replacingOccurrences(of: setup.id, with: copyID)
        let index = cli.directory.file("index")
        let environment = ["GIT_INDEX_FILE": index, "GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.com",
                           "GIT_COMMITTER_NAME": "Bob", "GIT_COMMITTER_EMAIL": "bob@example.com"]
        try #require(git(["read-tree", "main"], in: cli.store, environment: environment).status == 0)
        let blob = try run("git", ["-C", cli.store, "hash-object", "-w", "--stdin"], stdin: copy).stdout.trimmingCharacters(in: .newlines)
        try #require(git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(copyPath)"], in: cli.store, environment: environment).status == 0)
        let tree = try git(["write-tree"], in: cli.store, environment: environment).stdout.trimmingCharacters(in: .newlines)
        let commit = try git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(bob)", "commit-tree", tree, "-p", "main", "-S",
                              "-m", "a copy"], in: cli.store, environment: environment).stdout.trimmingCharacters(in: .newlines)
        try #require(git(["update-ref", "refs/heads/main", commit], in: cli.store).status == 0)

        let denied = try setup.verify(["--token-file", setup.tokenFile, "--method", "environment.Control.StopEnv"])
        #expect(denied.status == 1)
        #expect(denied.stdout == "denied (8203): token denied: several token files in the store hold its hash, and a hash that is shared is denied for all of them\n")
        #expect(denied.stderr.contains("pat: warning: \(path): same hash as token \(copyID)"), "\(denied.stderr)")
        #expect(denied.stderr.contains("pat: warning: \(copyPath): same hash as token \(setup.id)"), "\(denied.stderr)")
    }
}
