import ArgumentParser
import Foundation
import PatCore
import PatServer
import PatStore
import PatVerifier

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Authorise requests over HTTP from a verified store; follows the branch as it changes.",
        discussion: """
            Routes: GET|POST /1.0/<group>/<service>/rest/<method> (session in the query, a form body or \
            Authorization: Bearer) answers {"result":...} as the platform does; GET /auth is for nginx auth_request \
            (X-Original-URI); POST /v1/authorize takes {"token","method"}; GET /healthz; GET /metrics. \
            A new head is verified within a second (or at once on SIGHUP); a head that fails verification is \
            refused and the last verified one keeps answering; /healthz answers 503 while the store cannot be read. \
            SIGTERM shuts down cleanly. Connections are capped below the open-files limit (ulimit -n) with room for \
            the store's files; at the cap new connections wait in the listen queue. A request that has not arrived \
            whole within --header-timeout is answered 408 and its connection closed; a connection with nothing under \
            way is closed after --idle-timeout.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("How often to look for a new head, in milliseconds.", valueName: "ms"))
    var pollInterval = 500
    @Option(help: ArgumentHelp("Threads answering requests (default: one per core).", valueName: "n"))
    var threads: Int?
    @Option(help: ArgumentHelp("Most connections open at once; lowered to fit the open-files limit.", valueName: "n"))
    var maxConnections = ServerLimits.defaultMaxConnections
    @Option(help: ArgumentHelp("Seconds a connection with no request under way stays open.", valueName: "seconds"))
    var idleTimeout: Double = 60
    @Option(help: ArgumentHelp("Seconds a request has to arrive whole (head and body) before it is answered 408.",
                               valueName: "seconds"))
    var headerTimeout: Double = 10
    @OptionGroup var trust: TrustOptions

    func validate() throws {
        if Self.parseListen(listen) == nil { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8080") }
        if !(10...60_000).contains(pollInterval) { throw ValidationError("--poll-interval takes 10 to 60000 milliseconds") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads takes 1 to 256") }
        if !(1...1_000_000).contains(maxConnections) { throw ValidationError("--max-connections takes 1 to 1000000") }
        if !(0.1...86_400).contains(idleTimeout) { throw ValidationError("--idle-timeout takes 0.1 to 86400 seconds") }
        if !(0.1...3_600).contains(headerTimeout) { throw ValidationError("--header-timeout takes 0.1 to 3600 seconds") }
    }

    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port)
        else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        let (host, port) = Self.parseListen(listen)!
        let logger = serviceLogger()
        let state = AuthorizationState()
        let reloader: Reloader
        do {
            let root = try trust.pinnedRoot()
            try trust.checkStoreExists(store.path)
            reloader = try Reloader(path: store.path, trustRoot: root, stateFile: trust.state, state: state, logger: logger)
        } catch {
            Console.error(String(describing: error))
            throw CommandFailure(code: 2)
        }
        await reloader.reload()
        let authority = Authority(state: state, catalog: try BuiltInTemplates.catalog(), maxAge: trust.maxAgeSeconds)
        let limits = ServerLimits(maxConnections: maxConnections, idleTimeout: .milliseconds(Int(idleTimeout * 1000)),
                                  headerTimeout: .milliseconds(Int(headerTimeout * 1000)))
        let app = buildApplication(authority: authority, reloader: reloader, host: host, port: port, logger: logger,
                                   pollInterval: .milliseconds(pollInterval), limits: limits) { start in
            let limit = start.openFilesLimit.map { "open-files limit \($0), \(start.descriptorsInUse) in use" } ?? "no open-files limit"
            Console.note("pat serve: at most \(start.connectionCap) connections at once (\(limit))")
            Console.note("pat serve: listening on http://\(host):\(start.port)")
        }
        try await app.runService()
    }
}
