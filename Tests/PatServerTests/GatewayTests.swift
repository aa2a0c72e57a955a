import Foundation
import PatCore
import PatStore
import PatTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real binaries end to end: a client calls the platform URL on nginx, nginx asks `pat serve` through
/// auth_request, and only allowed calls reach the stand-in upstream.
@Suite(.serialized) struct GatewayTests {
    /// `pat serve` on a free port, against a store with one token that may stop environments only.
    final class Served {
        let fixture: StoreFixture
        let token: String
        let tokenID: String
        let server: BackgroundProcess
        let port: Int

        /// `arguments` go after the usual ones; with `openFiles`, the server runs under `ulimit -n openFiles`.
        init(pollInterval: Int = 100, arguments: [String] = [], openFiles: Int? = nil) throws {
            fixture = try StoreFixture()
            let (granted, secret) = try fixture.generate("stopper", preset: nil, methods: ["environment.Control.StopEnv"])
            token = secret.value
            tokenID = granted.id.rawValue
            let serve = [
                "serve", "--store", fixture.store.path, "--allowed-signers", try fixture.allowedSignersFile(),
                "--listen", "127.0.0.1:0", "--poll-interval", String(pollInterval),
                "--state", fixture.directory.file("state")] + arguments
            if let openFiles {
                server = try BackgroundProcess("bash", ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", patExecutable] + serve)
            } else {
                server = try BackgroundProcess(patExecutable, serve)
            }
            port = try server.waitForStderr { text in
                text.components(separatedBy: "listening on http://127.0.0.1:").dropFirst().first
                    .flatMap { Int($0.prefix { $0.isNumber }) }
            }
        }

        var base: String { "http://127.0.0.1:\(port)" }

        /// Connections the fast path handed to the router so far (each curl here is one).
        func routerConnections() throws -> Int? {
            let (_, body) = try curl(base + "/metrics")
            return body.split(separator: "\n").first { $0.hasPrefix("pat_router_connections_total ") }
                .flatMap { Int($0.split(separator: " ")[1]) }
        }

        func health() throws -> [String: Any] {
            let (_, body) = try curl(base + "/healthz")
            return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        }

        func waitForTokens(_ count: Int, seconds: Double = 5) throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try health()["tokens"] as? Int == count { return true }
                usleep(20_000)
            }
            return false
        }
    }

    /// With the README's keep-alive upstream (HTTP/1.1), and with nginx's default HTTP/1.0 to the same keep-alive
    /// upstream (pat must close those connections, or nginx reuses them and fails).
    @Test(arguments: [true, false]) func nginxLetsThroughOnlyWhatTheTokenAllows(http11: Bool) throws {
        let served = try Served()
        let directory = TemporaryDirectory("nginx")
        let gatewayPort = try freeLoopbackPort()
        let upstreamPort = try freeLoopbackPort()
        let template = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/nginx.conf"), encoding: .utf8)
        let config = (http11 ? template : template.replacingOccurrences(of: "proxy_http_version 1.1;", with: ""))
            .replacingOccurrences(of: "@DIR@", with: directory.path)
            .replacingOccurrences(of: "@USER@", with: getuid() == 0 ? "user root;" : "")
            .replacingOccurrences(of: "@GATEWAY_PORT@", with: String(gatewayPort))
            .replacingOccurrences(of: "@UPSTREAM_PORT@", with: String(upstreamPort))
            .replacingOccurrences(of: "@PAT_PORT@", with: String(served.port))
        try config.write(toFile: directory.file("nginx.conf"), atomically: true, encoding: .utf8)
        let nginx = try BackgroundProcess("nginx", ["-p", directory.path, "-c", directory.file("nginx.conf"), "-g", "daemon off;"])
        defer { _ = nginx.stop(with: SIGQUIT) }
        let gateway = "http://127.0.0.1:\(gatewayPort)"
        let deadline = Date().addingTimeInterval(10)
        while (try? curl(gateway + "/1.0/x/y/rest/z"))?.status == 0 && Date() < deadline { usleep(50_000) }
        let routerConnections = try #require(try served.routerConnections())

        let allowed = try curl(gateway + "/1.0/environment/control/rest/stopenv?envName=my-project&session=\(served.token)")
        #expect(allowed.status == 200)
        #expect(allowed.body == #"{"result":0,"reached":"upstream","token":"\#(served.tokenID)"}"#)

        let bearer = try curl(gateway + "/1.0/environment/control/rest/stopenv?envName=my-project", headers: ["Authorization: Bearer \(served.token)"])
        #expect(bearer.body.contains(#""reached":"upstream""#))

        let denied = try curl(gateway + "/1.0/environment/control/rest/startenv?envName=my-project&session=\(served.token)")
        #expect(denied.status == 200)
        #expect(denied.body == #"{"result":8202,"error":"permission denied: token \#(served.tokenID) does not grant environment.Control.StartEnv"}"#)

        let unknown = try curl(gateway + "/1.0/environment/control/rest/stopenv?session=\(TokenSecret.generate(prefix: "pat").value)")
        #expect(unknown.body == #"{"result":8203,"error":"unknown token: never issued, removed, or replaced by regenerate"}"#)

        let missing = try curl(gateway + "/1.0/environment/control/rest/stopenv?envName=x")
        #expect(missing.body.hasPrefix(#"{"result":8200,"#))

        // Only the two allowed calls reached the upstream.
        let upstreamLog = (try? String(contentsOfFile: directory.file("upstream.log"), encoding: .utf8)) ?? ""
        #expect(upstreamLog.split(separator: "\n").count == 2)
        // Over HTTP/1.1 (the README's way) nginx's subrequests were all answered by the fast path: the only connection
        // the router saw since is the one asking for the metrics. Over HTTP/1.0 each of the five went to the router
        // on a connection of its own.
        #expect(try served.routerConnections() == routerConnections + (http11 ? 1 : 6))
        // pat serve never logs a token.
        #expect(!served.server.stderr.contains(served.token))
        #expect(served.server.stop() == 0)
    }

    @Test func serveFollowsTheBranchAndReloadsOnSIGHUP() throws {
        let served = try Served(pollInterval: 60_000)
        #expect(try served.health()["tokens"] as? Int == 1)
        try served.fixture.generate("second")
        usleep(300_000)
        #expect(try served.health()["tokens"] as? Int == 1, "no poll within a minute")
        served.server.signal(SIGHUP)
        #expect(try served.waitForTokens(2))
        #expect(served.server.stop() == 0)
    }

    @Test func serveNoticesANewHeadWithinASecond() throws {
        let served = try Served(pollInterval: 500)
        let (_, secret) = try served.fixture.generate("fresh")
        #expect(try served.waitForTokens(2, seconds: 1.5))
        let (_, body) = try curl(served.base + "/1.0/environment/deployment/rest/deploy?session=\(secret.value)")
        #expect(body == #"{"result":0}"#)
        // SIGTERM: a clean shutdown with status 0.
        #expect(served.server.stop(with: SIGTERM) == 0)
    }

    @Test func serveRefusesToStartWithoutATrustRoot() throws {
        let fixture = try StoreFixture()
        let result = try run(patExecutable, ["serve", "--store", fixture.store.path, "--listen", "127.0.0.1:0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no trust root: pin one with --allowed-signers FILE"))
    }
}
