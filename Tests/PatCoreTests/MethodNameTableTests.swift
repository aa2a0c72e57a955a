import Testing
@testable import PatCore

@Suite struct MethodNameTableTests {
    static let table = MethodNameTable(["environment.Control.StopEnv", "marketplace.Jps.Install", "users.Authentication.Signin"])

    @Test(arguments: [
        ("environment.Control.StopEnv", "environment.Control.StopEnv"),
        ("environment.control.stopenv", "environment.Control.StopEnv"),
        ("ENVIRONMENT.CONTROL.STOPENV", "environment.Control.StopEnv"),
        ("marketplace.jps.install", "marketplace.Jps.Install"),
        ("users.Authentication.SignIn", "users.Authentication.Signin"),
        ("environment.Control.StartEnv", nil),
        ("environment.Control.StopEn", nil),
        ("environment.Control.StopEnvX", nil),
        ("xnvironment.Control.StopEnv", nil),
    ] as [(String, String?)])
    func namesAreFoundIgnoringCase(name: String, canonical: String?) throws {
        let key = try #require(MethodKey(name))
        #expect(Self.table.canonical(key) == canonical)
        #expect(Self.table.contains(key) == (canonical != nil))
    }

    /// What is not three [A-Za-z0-9_] parts has no key; the `env.` alias is normalised before it gets one.
    @Test(arguments: ["", "stopenv", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b.", "env.Control.StopEnv", "ENV.control.stopenv",
                      "environment.Control.Stop-Env", "environment.Control.Stöp", "environment.Control.Stop Env",
                      String(repeating: "a", count: 199) + ".b.c"])
    func malformedNamesHaveNoKey(name: String) {
        #expect(MethodKey(name) == nil)
    }

    @Test func keysOfTheSameNameInAnyCaseHashAlike() throws {
        let keys = try ["environment.Control.StopEnv", "environment.control.stopenv", "Environment.CONTROL.stopEnv"].map { try #require(MethodKey($0)) }
        #expect(Set(keys.map(\.hash)).count == 1)
    }

    /// Every name of a large set is found, in both spellings, among many colliding slots; no other name is.
    @Test func everyNameOfTheCatalogIsFound() throws {
        let names = CatalogTests.catalog.methods.map(\.name)
        let table = MethodNameTable(names + names.map { $0.uppercased() })
        #expect(table.count == names.count, "duplicates ignoring case are kept once")
        for name in names {
            #expect(table.canonical(try #require(MethodKey(name.lowercased()))) == name)
            #expect(table.canonical(try #require(MethodKey(name))) == name)
            #expect(table.canonical(try #require(MethodKey(name + "X"))) == nil)
        }
        #expect(MethodNameTable([]).canonical(try #require(MethodKey("a.b.c"))) == nil)
    }
}
