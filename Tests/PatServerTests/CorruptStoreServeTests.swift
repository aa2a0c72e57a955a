import Foundation
import PatCore
import PatStore
import PatTestSupport
import Testing

/// `pat serve` and a head with a truncated loose object: it refuses the head, keeps answering from the last good
/// snapshot, reports the refusal, picks up the repair, and shuts down on SIGTERM (before the fix its reloader spun
/// inside libgit2 forever and SIGTERM was ignored).
@Suite struct CorruptStoreServeTests {
    func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return false
    }

    @Test func aTruncatedBlobInANewHead() throws {
        // No polling: the server looks at the branch on SIGHUP only, so it cannot see the new head before its blob is cut.
        let served = try GatewayTests.Served(pollInterval: 60_000)
        let stopEnv = "/1.0/environment/control/rest/stopenv?envName=x&session="
        let (token, secret) = try served.fixture.generate("second", preset: nil, methods: ["environment.Control.StopEnv"])
        let store = served.fixture.store.path
        let head = try git(["rev-parse", "main"], in: store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let blob = try git(["rev-parse", "main:\(token.id.path)"], in: store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = "\(store)/objects/\(blob.prefix(2))/\(blob.dropFirst(2))"
        let saved = try Data(contentsOf: URL(fileURLWithPath: file))
        chmod(file, 0o644)
        truncate(file, 20)

        served.server.signal(SIGHUP)
        let refused = try wait(seconds: 15) { try served.health()["last_refused_head"] as? String == head }
        #expect(refused, "the damaged head is reported as refused")
        let health = try served.health()
        #expect((health["last_refusal"] as? String)?.contains("loose object \(blob) is damaged") == true, "\(health)")
        #expect(try curl(served.base + stopEnv + served.token).body == #"{"result":0}"#, "the last good snapshot answers")
        #expect(try curl(served.base + stopEnv + secret.value).body.contains("8203"))

        // Repaired in place: picked up within the retry interval.
        try saved.write(to: URL(fileURLWithPath: file))
        let repaired = try wait(seconds: 20) {
            served.server.signal(SIGHUP)
            return try curl(served.base + stopEnv + secret.value).body == #"{"result":0}"#
        }
        #expect(repaired, "the repaired head is served")

        // Damaged again by a newer head, then SIGTERM: the server ends.
        let (third, _) = try served.fixture.generate("third")
        let thirdBlob = try git(["rev-parse", "main:\(third.id.path)"], in: store).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let thirdFile = "\(store)/objects/\(thirdBlob.prefix(2))/\(thirdBlob.dropFirst(2))"
        chmod(thirdFile, 0o644)
        truncate(thirdFile, 20)
        served.server.signal(SIGHUP)
        usleep(300_000)
        #expect(served.server.stop(with: SIGTERM, seconds: 10) != nil, "pat serve ended on SIGTERM")
    }
}
