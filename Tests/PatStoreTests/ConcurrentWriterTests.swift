import Foundation
import PatCore
import PatTestSupport
import Testing
@testable import PatStore

@Suite struct ConcurrentWriterTests {
    /// Four writers, each with its own repository handle, race on the same branch: compare-and-swap plus
    /// rebuild-on-new-head must keep every change and a straight history.
    @Test func racingWritersInOneProcessLoseNothing() throws {
        let fixture = try StoreFixture()
        let path = fixture.store.path
        let options = fixture.options
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            do {
                let store = try Store.open(at: path)
                for index in 0..<8 {
                    try store.generate(TokenSettingsRequest(description: "w\(writer)-\(index)", expires: "+3d", preset: "Marketplace"), options)
                }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty)
        let descriptions = Set(try fixture.store.view().tokens().map(\.description))
        #expect(descriptions.count == 32)
        #expect(try git(["rev-list", "--count", "main"], in: path).stdout == "33\n")
        #expect(try git(["rev-list", "--min-parents=2", "main"], in: path).stdout.isEmpty)
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
