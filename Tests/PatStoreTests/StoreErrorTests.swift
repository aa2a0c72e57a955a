import Foundation
import PatCore
import PatGit
import PatSSH
import PatTestSupport
import Testing
@testable import PatStore

/// Bad input of every kind: a specific message, and the store exactly as it was.
@Suite struct StoreErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let message: String
        let action: @Sendable (StoreFixture, TokenID) throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "past date", message: "expiry date 01-01-2020 is in the past") { f, _ in
            try f.generate(expires: "01-01-2020")
        },
        Case(name: "bad date", message: "expiry date '32-01-2027' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny") { f, _ in
            try f.generate(expires: "32-01-2027")
        },
        Case(name: "backwards", message: "expiry date '-30d' counts backwards: relative dates count forward from today, so write +30d (or a date: dd-mm-yyyy, yyyy-mm-dd)") { f, _ in
            try f.generate(expires: "-30d")
        },
        Case(name: "too far", message: "is beyond the store's maximum lifetime of 366 days") { f, _ in
            try f.generate(expires: "+400d")
        },
        Case(name: "unknown preset", message: "unknown preset 'Everything'; known presets: Extended Access, IDE Plugins, Marketplace, Maven Plugin, Custom") { f, _ in
            try f.generate(preset: "Everything")
        },
        Case(name: "unknown method", message: "unknown API method 'environment.Control.StopEnvx'; did you mean environment.Control.StopEnv") { f, _ in
            try f.generate(preset: nil, methods: ["environment.Control.StopEnvx"])
        },
        Case(name: "no api", message: "no API methods: give --api PRESET or at least one --method") { f, _ in
            try f.generate(preset: nil)
        },
        Case(name: "preset and methods", message: "give either --api PRESET or --method, not both") { f, _ in
            try f.generate(preset: "Marketplace", methods: ["environment.Control.StopEnv"])
        },
        Case(name: "empty description", message: "description is empty") { f, _ in try f.generate("") },
        Case(name: "long description", message: "description is 300 characters long; at most 256 are allowed") { f, _ in
            try f.generate(String(repeating: "d", count: 300))
        },
        Case(name: "control characters", message: "description contains control characters") { f, _ in try f.generate("a\nb") },
        Case(name: "bidirectional override", message: "description contains bidirectional text controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which make text display reordered") { f, _ in
            try f.generate("invoice \u{202E}fdp.exe")
        },
        Case(name: "bidirectional isolate in an edit", message: "description contains bidirectional text controls") { f, id in
            try f.store.edit(id, TokenSettingsRequest(description: "a\u{2067}b"), f.options)
        },
        Case(name: "arabic letter mark", message: "description contains bidirectional text controls") { f, _ in try f.generate("x\u{061C}") },
        Case(name: "every problem at once", message: "description is empty\nexpiry date 'soon' is not a date") { f, _ in
            try f.generate("", expires: "soon")
        },
        Case(name: "edit unknown", message: "no token with id 00000000000000ff in this store") { f, _ in
            try f.store.edit(TokenID("00000000000000ff")!, TokenSettingsRequest(description: "x"), f.options)
        },
        Case(name: "edit nothing", message: "nothing to change") { f, id in
            try f.store.edit(id, TokenSettingsRequest(), f.options)
        },
        Case(name: "edit same values", message: "nothing to change") { f, id in
            try f.store.edit(id, TokenSettingsRequest(description: "existing"), f.options)
        },
        Case(name: "regenerate unknown among known", message: "no token with id 00000000000000fe, 00000000000000ff in this store") { f, id in
            try f.store.regenerate([id, TokenID("00000000000000fe")!, TokenID("00000000000000ff")!], expires: nil, f.options)
        },
        Case(name: "copy unknown", message: "no token with id 00000000000000ff in this store") { f, _ in
            try f.store.copy(TokenID("00000000000000ff")!, TokenSettingsRequest(), f.options)
        },
        Case(name: "remove unknown", message: "no token with id 00000000000000ff in this store") { f, id in
            try f.store.remove(.tokens([id, TokenID("00000000000000ff")!]), f.options)
        },
    ]

    @Test(arguments: cases)
    func badInputIsRefusedAndTheStoreIsUnchanged(_ testCase: Case) throws {
        let fixture = try StoreFixture()
        let (existing, _) = try fixture.generate("existing")
        let before = try fixture.snapshot()
        #expect(performing: { try testCase.action(fixture, existing.id) }, throws: { error in
            String(describing: error).contains(testCase.message)
        })
        #expect(try fixture.snapshot() == before)
    }

    @Test func removeAllOnAnEmptyStoreSaysSo() throws {
        let fixture = try StoreFixture()
        #expect(performing: { try fixture.store.remove(.all, fixture.options) }, throws: { "\($0)" == "the store has no tokens" })
    }

    @Test func aDamagedTokenFileIsNamed() throws {
        let fixture = try StoreFixture()
        try fixture.generate("fine")
        // A signed commit (as a careless hand edit would make) that breaks one token file.
        let store = fixture.store
        let head = try store.head()
        let view = try store.view()
        let id = TokenID("abcdefabcdefabcd")!
        let tree = try store.repository.tree(applying: [id.path: .write(Array("{\"format\": 1,".utf8))], to: view.tree)
        let commit = try store.writeCommit(tree: tree, parents: [head], identity: StoreFixture.identity, time: Date(),
                                           message: CommitMessage(operation: .edit, subject: "hand edit"), signer: fixture.key)
        try store.repository.updateReference(Store.branch, to: commit, expected: head, message: "test")
        #expect(performing: { try store.view().tokens() }, throws: {
            "\($0)" == "store file tokens/ab/abcdefabcdefabcd.json is damaged: not valid JSON"
        })
        let before = try fixture.snapshot()
        #expect(performing: { try store.remove(.all, fixture.options) }, throws: { "\($0)".contains("tokens/ab/abcdefabcdefabcd.json") })
        #expect(try fixture.snapshot() == before)
    }

    @Test func openSaysWhyAFolderIsNotAStore() throws {
        let directory = TemporaryDirectory()
        #expect(performing: { try Store.open(at: directory.file("none")) }, throws: {
            "\($0)".hasPrefix("no store at \(directory.file("none"))")
        })
        try "x".write(toFile: directory.file("file"), atomically: true, encoding: .utf8)
        #expect(performing: { try Store.open(at: directory.file("file")) }, throws: { "\($0)".hasSuffix("is not a pat store: it is a file, not a directory") })
        try FileManager.default.createDirectory(atPath: directory.file("other"), withIntermediateDirectories: true)
        try "x".write(toFile: directory.file("other/notes.txt"), atomically: true, encoding: .utf8)
        #expect(performing: { try Store.open(at: directory.file("other")) }, throws: { "\($0)".hasSuffix("is not a pat store: it is not a git repository") })
        try git(["init", "-q", "--bare", directory.file("plain.git")])
        #expect(performing: { try Store.open(at: directory.file("plain.git")) }, throws: { "\($0)".hasSuffix("its branch main has no commits") })
    }

    @Test func initRefusesExistingStoresAndBusyFolders() throws {
        let fixture = try StoreFixture()
        let before = try fixture.snapshot()
        #expect(performing: {
            try Store.create(StoreCreation(path: fixture.store.path, signer: fixture.key, principal: "a@b"))
        }, throws: { "\($0)" == "a store already exists at \(fixture.store.path)" })
        #expect(try fixture.snapshot() == before)

        let busy = fixture.directory.file("busy")
        try FileManager.default.createDirectory(atPath: busy, withIntermediateDirectories: true)
        try "x".write(toFile: busy + "/data.txt", atomically: true, encoding: .utf8)
        #expect(performing: { try Store.create(StoreCreation(path: busy, signer: fixture.key, principal: "a@b")) },
                throws: { "\($0)" == "\(busy) is not empty; pat init needs a new or empty directory" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: busy) == ["data.txt"])

        let placeholder = fixture.directory.file("placeholder")
        try FileManager.default.createDirectory(atPath: placeholder, withIntermediateDirectories: true)
        try "# store".write(toFile: placeholder + "/README.md", atomically: true, encoding: .utf8)
        #expect(performing: { try Store.create(StoreCreation(path: placeholder, signer: fixture.key, principal: "bad principal")) },
                throws: { "\($0)".contains("is not a usable signer principal") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: placeholder) == ["README.md"])
        _ = try Store.create(StoreCreation(path: placeholder, signer: fixture.key, principal: "a@b"))
        #expect(try Store.open(at: placeholder).view().signers.entries.map(\.principal) == ["a@b"])
    }
}
