import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatCore
import PatStore
import PatTestSupport
import PatVerifier
import Testing
@testable import PatServer

/// The HTTP routes, driven in-process through `app.test(.router)` against a real, verified store.
@Suite struct RouteTests {
    struct Service: @unchecked Sendable {
        let fixture: StoreFixture
        let state = AuthorizationState()
        let reloader: Reloader
        let authority: Authority
        let token: String
        let tokenID: TokenID

        init() async throws {
            fixture = try StoreFixture()
            let (granted, secret) = try fixture.generate("stopper", preset: nil,
                                                         methods: ["environment.Control.StopEnv", "environment.Control.GetEnvInfo"])
            token = secret.value
            tokenID = granted.id
            let root = try TrustRoot.load(allowedSignersFile: try fixture.allowedSignersFile())
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            reloader = try Reloader(path: fixture.store.path, trustRoot: root, stateFile: nil, state: state, logger: logger)
            await reloader.reload()
            authority = Authority(state: state, catalog: try BuiltInTemplates.catalog())
        }

        var app: some ApplicationProtocol { Application(router: buildRouter(authority: authority)) }
    }

    static func body(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func platformCallsAnswerInThePlatformsShape() async throws {
        let service = try await Service()
        let token = service.token
        try await service.app.test(.router) { client in
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv?envName=my-project&session=\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.body(response) == #"{"result":0}"#)
                #expect(response.headers[.contentType] == "application/json")
            }
            try await client.execute(uri: "/1.0/environment/control/rest/startenv?session=\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.body(response) == #"{"result":8202,"error":"permission denied: token \#(service.tokenID) does not grant environment.Control.StartEnv"}"#)
            }
            // The env. alias and any case, as URLs carry them.
            try await client.execute(uri: "/1.0/env/Control/rest/GetEnvInfo?session=\(token)", method: .get) { response in
                #expect(Self.body(response) == #"{"result":0}"#)
            }
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv", method: .post,
                                     headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "envName=x&session=\(token)")) { response in
                #expect(Self.body(response) == #"{"result":0}"#)
            }
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv", method: .get,
                                     headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(Self.body(response) == #"{"result":0}"#)
            }
        }
    }

    static let refusals: [(String, ResultCode)] = [
        ("/1.0/environment/control/rest/stopenv", .missingToken),
        ("/1.0/environment/control/rest/stopenv?session=garbage", .malformedToken),
        ("/1.0/environment/control/rest/stopenv?session=\(TokenSecret.generate(prefix: "pat").value)", .unknownToken),
        ("/1.0/environment/control/rest/stopenv?session=\(TokenSecret.generate(prefix: "zzz").value)", .malformedToken),
    ]

    @Test(arguments: refusals)
    func refusalsHaveTheirOwnCodes(uri: String, code: ResultCode) async throws {
        let service = try await Service()
        try await service.app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                let object = try JSONSerialization.jsonObject(with: Data(Self.body(response).utf8)) as? [String: Any]
                #expect(object?["result"] as? Int == code.rawValue)
                let error = (object?["error"] as? String) ?? ""
                #expect(error.isEmpty == false)
                let session = uri.components(separatedBy: "session=").dropFirst().first ?? "##none##"
                #expect(!Self.body(response).contains(session))
            }
        }
    }

    @Test func expiredTokensAreRefusedAsSuch() async throws {
        let service = try await Service()
        let later = Authority(state: service.state, catalog: service.authority.catalog, clock: { Date().addingTimeInterval(400 * 86_400) })
        try await Application(router: buildRouter(authority: later)).test(.router) { client in
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv?session=\(service.token)", method: .get) { response in
                #expect(Self.body(response).hasPrefix(#"{"result":8204,"error":"token \#(service.tokenID) expired at "#))
            }
        }
    }

    @Test func theGatewayEndpointAnswersWithStatusAndHeaders() async throws {
        let service = try await Service()
        let token = service.token
        try await service.app.test(.router) { client in
            try await client.execute(uri: "/auth", method: .get,
                                     headers: [HTTPField.Name("X-Original-URI")!: "/1.0/environment/control/rest/stopenv?envName=a&session=\(token)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Pat-Token-Id")!] == service.tokenID.rawValue)
                #expect(response.headers[HTTPField.Name("X-Pat-Result")!] == "0")
            }
            try await client.execute(uri: "/auth", method: .get,
                                     headers: [HTTPField.Name("X-Original-URI")!: "/1.0/environment/control/rest/deleteenv?session=\(token)"]) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[HTTPField.Name("X-Pat-Result")!] == "8202")
                #expect(response.headers[HTTPField.Name("X-Pat-Response")!] == #"{"result":8202,"error":"permission denied: token \#(service.tokenID) does not grant environment.Control.DeleteEnv"}"#)
            }
            try await client.execute(uri: "/auth", method: .get,
                                     headers: [HTTPField.Name("X-Original-URI")!: "/1.0/environment/control/rest/stopenv",
                                               .authorization: "Bearer pat_nonsense"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[HTTPField.Name("X-Pat-Result")!] == "8201")
            }
        }
    }

    /// A token value where the method belongs (a client that swapped its parameters) is not echoed in the
    /// answer, its headers or the body.
    @Test func aTokenGivenAsTheMethodIsNotEchoed() async throws {
        let service = try await Service()
        let token = service.token
        let body = String(token.dropFirst(4).prefix(20))
        try await service.app.test(.router) { client in
            try await client.execute(uri: "/auth", method: .get,
                                     headers: [HTTPField.Name("X-Original-URI")!: "/1.0/environment/control/rest/\(token)?session=\(token)"]) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[HTTPField.Name("X-Pat-Error")!] == "permission denied: token \(service.tokenID) does not grant <a token value, not shown>")
                #expect(response.headers[HTTPField.Name("X-Pat-Permission")!] == "<a token value, not shown>")
                for field in response.headers { #expect(!field.value.contains(body), "\(field.name)") }
            }
            try await client.execute(uri: "/auth", method: .get,
                                     headers: [HTTPField.Name("X-Original-URI")!: "/\(token)", .authorization: "Bearer \(token)"]) { response in
                #expect(response.headers[HTTPField.Name("X-Pat-Error")!] == "<a token value, not shown> is not an API method (group.Service.Method)")
                for field in response.headers { #expect(!field.value.contains(body), "\(field.name)") }
            }
            try await client.execute(uri: "/1.0/environment/control/rest/\(token)?session=\(token)", method: .get) { response in
                #expect(Self.body(response) == #"{"result":8202,"error":"permission denied: token \#(service.tokenID) does not grant <a token value, not shown>"}"#)
            }
            let swapped = ByteBuffer(string: #"{"token":"\#(token)","method":"\#(token)"}"#)
            try await client.execute(uri: "/v1/authorize", method: .post, headers: [.contentType: "application/json"], body: swapped) { response in
                #expect(Self.body(response) == #"{"result":8205,"error":"<a token value, not shown> is not an API method (group.Service.Method)"}"#)
            }
        }
    }

    @Test func servicesCanAskDirectly() async throws {
        let service = try await Service()
        try await service.app.test(.router) { client in
            let body = ByteBuffer(string: #"{"token":"\#(service.token)","method":"env.control.stopenv"}"#)
            try await client.execute(uri: "/v1/authorize", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(Self.body(response) == #"{"result":0,"token_id":"\#(service.tokenID)","permission":"environment.Control.StopEnv"}"#)
            }
            try await client.execute(uri: "/v1/authorize", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "not json")) { response in
                #expect(response.status == .badRequest)
                #expect(Self.body(response).hasPrefix(#"{"result":8207,"#))
            }
        }
    }

    /// Every answer's result is counted, the unreadable request's 8207 too (it used to stay 0).
    @Test func unreadableRequestsAreCounted() async throws {
        let service = try await Service()
        try await service.app.test(.router) { client in
            for body in ["not json", #"{"token":"x"}"#] {
                try await client.execute(uri: "/v1/authorize", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { response in
                    #expect(Self.body(response).hasPrefix(#"{"result":8207,"#))
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(Self.body(response).contains("pat_decisions_total{result=\"8207\",reason=\"badRequest\"} 2\n"))
            }
        }
        #expect(service.state.decisionCounts[.badRequest] == 2)
    }

    @Test func healthAndMetricsFollowReloadsAndRefusals() async throws {
        let service = try await Service()
        try await service.app.test(.router) { client in
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv?session=\(service.token)", method: .get) { _ in }
            try await client.execute(uri: "/1.0/environment/control/rest/startenv?session=\(service.token)", method: .get) { _ in }
            let head = try service.fixture.store.head().hex
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let object = try JSONSerialization.jsonObject(with: Data(Self.body(response).utf8)) as? [String: Any]
                #expect(object?["verified_head"] as? String == head)
                #expect(object?["tokens"] as? Int == 1)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = Self.body(response)
                #expect(text.contains("pat_decisions_total{result=\"0\",reason=\"ok\"} 1\n"))
                #expect(text.contains("pat_decisions_total{result=\"8202\",reason=\"permissionDenied\"} 1\n"))
                #expect(text.contains("pat_reloads_total 1\n"))
                #expect(text.contains("# TYPE pat_refused_heads_total counter\npat_refused_heads_total 0\n"))
            }

            // A new signed change is swapped in; an unsigned one is refused and reported.
            try service.fixture.generate("second")
            await service.reloader.reload()
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(Self.body(response).contains(#""tokens":2"#))
            }
            let work = service.fixture.directory.file("work")
            try git(["clone", "-q", service.fixture.store.path, work])
            try "x".write(toFile: work + "/unsigned.txt", atomically: true, encoding: .utf8)
            try git(["add", "-A"], in: work)
            try git(["commit", "-q", "-m", "unsigned"], in: work)
            try git(["push", "-q", "origin", "main"], in: work)
            await service.reloader.reload()
            try await client.execute(uri: "/healthz", method: .get) { response in
                let object = try JSONSerialization.jsonObject(with: Data(Self.body(response).utf8)) as? [String: Any]
                #expect(object?["tokens"] as? Int == 2)
                #expect((object?["last_refusal"] as? String)?.contains("is not signed") == true)
                #expect(object?["last_refused_head"] as? String == (try? service.fixture.store.head().hex))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(Self.body(response).contains("pat_refused_heads_total 1\n"))
            }
            // Still answering from the last verified snapshot.
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv?session=\(service.token)", method: .get) { response in
                #expect(Self.body(response) == #"{"result":0}"#)
            }
        }
    }

    @Test func withoutAVerifiedStoreEverythingIsUnavailable() async throws {
        let authority = Authority(state: AuthorizationState(), catalog: try BuiltInTemplates.catalog())
        try await Application(router: buildRouter(authority: authority)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/1.0/environment/control/rest/stopenv?session=x", method: .get) { response in
                #expect(Self.body(response).hasPrefix(#"{"result":8206,"#))
            }
            try await client.execute(uri: "/auth", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }
}
