import Foundation
import PatTestSupport
import Testing

@Suite struct CommandTests {
    @Test func theWholeLifeThroughTheCommand() throws {
        let cli = try CLIFixture()
        let generated = try cli.pat(["generate", "--store", cli.store, "--description", "CI deploy", "--expires", "31-12-2026",
                                     "--api", "maven plugin"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let value = generated.stdout.trimmingCharacters(in: .newlines)
        #expect(value.hasPrefix("pat_") && value.count == 53)
        #expect(generated.stderr.contains("Copy the value now"))
        #expect(!generated.stderr.contains(value))

        let list = try cli.pat(["list", "--store", cli.store, "--json"])
        let tokens = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]])
        #expect(tokens.count == 1)
        let id = try #require(tokens[0]["id"] as? String)
        #expect(tokens[0]["expires"] as? String == "2026-12-31T23:59:59Z")
        #expect(tokens[0]["token"] == nil)
        #expect(!list.stdout.contains(value))

        #expect(try cli.pat(["edit", id, "--store", cli.store, "--method", "env.Control.StopEnv"]).status == 0)
        let regenerated = try cli.pat(["regenerate", id, "--store", cli.store])
        #expect(regenerated.status == 0)
        #expect(regenerated.stdout.trimmingCharacters(in: .newlines) != value)
        let copied = try cli.pat(["copy", id, "--store", cli.store, "--description", "copy"])
        #expect(copied.status == 0)

        let show = try cli.pat(["show", id, "--store", cli.store])
        #expect(show.stdout.contains("API          Custom, 1 methods:\n  environment.Control.StopEnv"))
        #expect(show.stdout.contains("Regenerate token \(id)"))
        #expect(show.stdout.contains("Edit token \(id)"))
        #expect(show.stdout.contains("Generate token \(id)"))

        let text = try cli.pat(["list", "--store", cli.store, "--search", "COPY"])
        #expect(text.stdout.split(separator: "\n").count == 2)
        #expect(try cli.pat(["remove", "--all", "--store", cli.store]).status == 0)
        #expect(try cli.pat(["list", "--store", cli.store]).stderr == "no tokens\n")

        let log = try cli.pat(["log", "--store", cli.store, "-n", "3", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 3)
        #expect(records.allSatisfy { ($0["signature"] as? [String: Any])?["verified"] as? Bool == true })
        #expect(records.map { $0["operation"] as? String } == ["remove", "copy", "regenerate"])

        // Nobody configured git here, so commits carry the store's default identity.
        let author = try git(["log", "-1", "--format=%an <%ae>"], in: cli.store).stdout
        #expect(author == "pat <alice@example.com>\n")

        // Stock git reads the store's own signers file and agrees with every commit.
        try git(["show", "main:allowed_signers"], in: cli.store).stdout.write(toFile: cli.directory.file("signers"), atomically: true, encoding: .utf8)
        let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(cli.directory.file("signers"))", "log", "--show-signature"], in: cli.store)
        #expect(verified.stdout.components(separatedBy: "Good \"git\" signature for alice@example.com").count - 1 == 6)
    }

    @Test func outputFilesAreNewPrivateAndTheValueIsNotPrinted() throws {
        let cli = try CLIFixture()
        let file = cli.directory.file("token.txt")
        let result = try cli.pat(["generate", "--store", cli.store, "--description", "to file", "--expires", "+1w",
                                  "--api", "Marketplace", "--output", file])
        #expect(result.status == 0, "\(result.stderr)")
        let value = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(value.hasPrefix("pat_"))
        #expect(!result.stdout.contains(value) && !result.stderr.contains(value))
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let before = try cli.snapshot()
        let again = try cli.pat(["generate", "--store", cli.store, "--description", "again", "--expires", "+1w",
                                 "--api", "Marketplace", "--output", file])
        #expect(again.status == 1)
        #expect(again.stderr == "pat: error: \(file) already exists; --output writes a new file only, so an old token is never overwritten\n")
        #expect(try cli.snapshot() == before)
        #expect(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines) == value)
    }

    @Test func methodsAndPresetsBrowseTheCatalog() throws {
        let cli = try CLIFixture()
        let search = try cli.pat(["methods", "--search", "env.control.stopenv"])
        #expect(search.stdout == "environment.Control.StopEnv  https://docs.jelastic.com/api/#!/api/environment.Control-method-StopEnv\n")
        let (id, _) = try cli.generate("checked", extra: ["--method", "environment.Control.StopEnv", "--method", "environment.Control.StartEnv"])
        let checked = try cli.pat(["methods", "--store", cli.store, "--checked", id, "--json"])
        let methods = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [[String: Any]])
        #expect(methods.compactMap { $0["method"] as? String } == ["environment.Control.StartEnv", "environment.Control.StopEnv"])
        #expect(methods.first?["url"] as? String == "/1.0/environment/control/rest/startenv")
        let checkedSearch = try cli.pat(["methods", "--store", cli.store, "--checked", id, "--search", "stop"])
        #expect(checkedSearch.stdout.hasPrefix("environment.Control.StopEnv "))

        let presets = try cli.pat(["presets", "--store", cli.store])
        #expect(presets.stdout.contains("Maven Plugin     12"))
        let maven = try cli.pat(["presets", "maven-plugin", "--json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(maven.stdout.utf8)) as? [[String: Any]])
        #expect((parsed[0]["methods"] as? [String])?.contains("environment.Deployment.Deploy") == true)
    }

    @Test func twoProcessesWritingAtOnceLoseNothing() throws {
        let cli = try CLIFixture()
        let script = """
            for writer in 1 2; do
              ( for i in $(seq 1 12); do
                  "$PAT" generate --store "$STORE" --description "w$writer-$i" --expires +5d --api Marketplace --password-file "$PASSWORD" >/dev/null || exit 1
                done ) &
            done
            wait
            """
        var environment = cli.environment
        environment["PAT"] = patExecutable
        environment["STORE"] = cli.store
        environment["PASSWORD"] = cli.passwordFile
        let result = try run("bash", ["-c", script + "\nfor job in $(jobs -p); do wait $job || exit 1; done"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let list = try cli.pat(["list", "--store", cli.store, "--json"])
        let tokens = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]])
        let descriptions = Set(tokens.compactMap { $0["description"] as? String })
        #expect(descriptions == Set((1...2).flatMap { w in (1...12).map { "w\(w)-\($0)" } }))
        #expect(try git(["rev-list", "--count", "main"], in: cli.store).stdout == "25\n")
        #expect(try git(["rev-list", "--min-parents=2", "main"], in: cli.store).stdout.isEmpty)
    }
}
