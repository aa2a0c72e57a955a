import Foundation
import Testing
import PatTemplates
@testable import PatCore

@Suite struct CatalogTests {
    static let catalog: MethodCatalog = try! CatalogFile.decode(try! PatTemplates.catalogData(), path: "catalog")
    static let presets: [Preset] = try! PatTemplates.presetFiles().map { try PresetFile.decode($0.data, path: $0.name) }

    @Test func theCatalogHoldsEveryPlatformMethod() {
        #expect(Self.catalog.methods.count == 1215)
        #expect(Set(Self.catalog.methods.map(\.name)).count == 1215)
    }

    /// The shipped catalog is what scripts/build-catalog.py makes of the shared method list.
    @Test func theCatalogMatchesTheSharedMethodList() throws {
        let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/jelastic-api-methods.json")
        let data = try Data(contentsOf: shared)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let methods = try #require(object["methods"] as? [[String: Any]])
        let names = methods.compactMap { $0["method"] as? String }.sorted()
        #expect(names == Self.catalog.methods.map(\.name))
        let params = Dictionary(uniqueKeysWithValues: methods.map { ($0["method"] as! String, $0["params"] as! [String]) })
        for method in Self.catalog.methods { #expect(params[method.name] == method.params) }
    }

    @Test(arguments: [
        ("environment.Control.StopEnv", "environment.Control.StopEnv"),
        ("ENVIRONMENT.control.stopenv", "environment.Control.StopEnv"),
        ("env.Control.StopEnv", "environment.Control.StopEnv"),
        ("Env.control.STOPENV", "environment.Control.StopEnv"),
    ])
    func namesResolveIgnoringCaseAndTheEnvAlias(input: String, canonical: String) {
        #expect(Self.catalog.method(named: input)?.name == canonical)
    }

    @Test func urlPathsAreLowerCaseRestPaths() throws {
        let method = try #require(Self.catalog.method(named: "environment.Control.StopEnv"))
        #expect(method.urlPath == "/1.0/environment/control/rest/stopenv")
        #expect(Self.catalog.method(atURLPath: "/1.0/environment/control/rest/StopEnv")?.name == method.name)
        #expect(method.docURL == "https://docs.jelastic.com/api/#!/api/environment.Control-method-StopEnv")
    }

    @Test func unknownMethodsComeBackWithTheClosestNames() {
        let error = Self.catalog.resolve(["environment.Control.StopEnvv", "environment.Control.GetEnvInfo", "zzz"]).failure
        #expect(error?.problems == [
            .unknownMethod("environment.Control.StopEnvv", suggestions: ["environment.Control.StopEnv", "environment.Control.SleepEnv", "environment.Control.StartEnv"]),
            .unknownMethod("zzz", suggestions: []),
        ])
    }

    @Test func searchIsCaseInsensitiveAndUnderstandsTheAlias() {
        let names = Self.catalog.search("env.control.stop").map(\.name)
        #expect(names == ["environment.Control.StopEnv"])
        #expect(Self.catalog.search("").count == 1215)
    }

    @Test func wildcardsExpandOverTheCatalog() {
        #expect(Self.catalog.expand(pattern: "*").count == 1215)
        #expect(Self.catalog.expand(pattern: "environment.Control.*").count == 177)
        #expect(Self.catalog.expand(pattern: "env.control.*").count == 177)
        #expect(Self.catalog.expand(pattern: "nothing.*").isEmpty)
    }

    @Test func theFourPresetsExistAndEveryPatternMatchesSomething() {
        #expect(Set(Self.presets.map(\.name)) == ["Extended Access", "IDE Plugins", "Marketplace", "Maven Plugin"])
        for preset in Self.presets {
            #expect(preset.deadPatterns(in: Self.catalog).isEmpty, "\(preset.name)")
            #expect(!preset.expand(in: Self.catalog).isEmpty)
            #expect(!preset.rationale.isEmpty)
        }
    }

    @Test func presetsGrantWhatTheirUsersNeedAndNoMore() throws {
        func methods(_ name: String) throws -> Set<String> {
            Set(try #require(PresetSet(Self.presets).preset(named: name)).expand(in: Self.catalog))
        }
        let maven = try methods("maven plugin")
        #expect(maven.isSuperset(of: ["environment.Deployment.Deploy", "environment.Control.RestartNodes"]))
        #expect(!maven.contains("environment.Control.DeleteEnv"))
        let ide = try methods("IDE-Plugins")
        #expect(ide.isSuperset(of: ["environment.Control.CreateEnvironment", "environment.File.Write", "environment.Control.ReadLog"]))
        #expect(!ide.contains("billing.Account.GetAccount"))
        let marketplace = try methods("Marketplace")
        #expect(marketplace.contains("marketplace.Jps.Install"))
        #expect(!marketplace.contains("marketplace.App.AddApp"))
        let extended = try methods("Extended Access")
        #expect(extended.contains("environment.Control.StopEnv"))
        for forbidden in ["users.Authentication.CreateToken", "users.Authentication.DeleteTokens", "users.Account.ChangePassword",
                          "users.Account.ChangeEmail", "management.Account.AddSSHKey"] {
            #expect(!extended.contains(forbidden), "\(forbidden)")
        }
    }
}
