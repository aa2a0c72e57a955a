import Foundation
import PatTestSupport
import Testing

/// `pat` is one executable: the catalog and presets are compiled in, so a copy runs from anywhere, with no
/// resource bundle beside it and the build folder gone.
@Suite struct SelfContainedBinaryTests {
    /// A copy of the built pat, alone in a folder of its own.
    static func copy(into directory: TemporaryDirectory) throws -> String {
        let folder = directory.file("bin")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let copy = folder + "/pat"
        try FileManager.default.copyItem(atPath: patExecutable, toPath: copy)
        let beside = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(beside == ["pat"], "nothing but the binary next to the copy")
        return copy
    }

    /// The folder swift build put pat (and any resource bundle) in, symbolic links resolved.
    static var buildFolder: String {
        URL(fileURLWithPath: patExecutable).resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// SwiftPM's resource accessor (`Bundle.module`) stops the program with this text when its bundle is missing;
    /// a binary without it cannot depend on a bundle.
    @Test func theBinaryHasNoResourceBundleAccessor() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: patExecutable))
        #expect(bytes.range(of: Data("could not load resource bundle".utf8)) == nil)
    }

    /// Whether this machine lets a test hide a folder from one child process (a private mount namespace).
    static let canHideFolders: Bool = {
        guard let result = try? run("unshare", ["--mount", "--propagation", "private", "true"]) else { return false }
        return result.status == 0
    }()

    @Test(.enabled(if: canHideFolders, "needs unshare --mount (root)"))
    func aCopiedBinaryRunsWithTheBuildFolderOutOfReach() throws {
        let cli = try CLIFixture(initialise: false)
        let pat = try Self.copy(into: cli.directory)
        let elsewhere = cli.directory.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let hidden = Self.buildFolder
        // Each command runs in a mount namespace of its own where the build folder is an empty tmpfs: neither the
        // bundle next to the original binary nor anything else swift build made can be reached.
        func isolated(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
            let script = #"mount -t tmpfs none "$0" && [ -z "$(ls -A "$0")" ] || exit 97; exec "$@""#
            let result = try run("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, hidden, pat] + arguments,
                                 environment: cli.environment, stdin: stdin, directory: elsewhere)
            #expect(result.status != 97, "the build folder could not be hidden")
            return result
        }

        let presets = try isolated(["presets"])
        #expect(presets.status == 0, "\(presets.stderr)")
        #expect(presets.stdout.contains("Maven Plugin"))
        let methods = try isolated(["methods", "--search", "env.control.stopenv"])
        #expect(methods.status == 0, "\(methods.stderr)")
        #expect(methods.stdout.contains("environment.Control.StopEnv"))

        let store = cli.directory.file("store")
        let created = try isolated(["init", "--store", store, "--signing-key", cli.keyPath, "--password-file", cli.passwordFile])
        #expect(created.status == 0, "\(created.stderr)")
        let generated = try isolated(["generate", "--store", store, "--description", "copied", "--expires", "+5d",
                                      "--api", "Maven Plugin", "--password-file", cli.passwordFile])
        #expect(generated.status == 0, "\(generated.stderr)")
        let value = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pinned = cli.directory.file("pinned")
        try git(["show", "main:allowed_signers"], in: store).stdout.write(toFile: pinned, atomically: true, encoding: .utf8)
        let verified = try isolated(["verify", "--store", store, "--allowed-signers", pinned, "--token-stdin",
                                     "--method", "environment.Deployment.Deploy"], stdin: value)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("allowed"))
    }
}
