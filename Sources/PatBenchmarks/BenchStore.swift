import Foundation
import PatCore
import PatGit
import PatSSH
import PatStore

/// A store of `count` tokens built through `pat import` (one signed commit), with the values kept so that
/// requests can be made with them. The token mix is that of a real store: mostly narrow tokens.
struct BenchStore {
    struct Request {
        let token: String
        let method: String
        let urlPath: String
    }

    let path: String
    let store: Store
    let key: OpenSSHPrivateKey
    let signersFile: String
    let values: [String]
    let granted: [String]

    /// 50% Maven Plugin, 25% Custom (3 methods), 15% Marketplace, 9% IDE Plugins, 1% Extended Access.
    static func apiFor(_ index: Int, catalog: MethodCatalog) -> (preset: String?, methods: [String]) {
        switch index % 100 {
        case 0..<50: return ("Maven Plugin", [])
        case 50..<75:
            let environment = catalog.methods.filter { $0.name.hasPrefix("environment.") }
            return (nil, (0..<3).map { environment[(index * 7 + $0 * 131) % environment.count].name })
        case 75..<90: return ("Marketplace", [])
        case 90..<99: return ("IDE Plugins", [])
        default: return ("Extended Access", [])
        }
    }

    static func build(at path: String, count: Int, log: (String) -> Void) throws -> BenchStore {
        let key = OpenSSHPrivateKey.generate(comment: "bench@pat.local")
        let (store, _) = try Store.create(StoreCreation(path: path, signer: key, principal: "bench@pat.local",
                                                        identity: Identity(name: "bench", email: "bench@pat.local")))
        let catalog = try BuiltInTemplates.catalog()
        var entries: [ImportEntry] = []
        var values: [String] = []
        var granted: [String] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            let secret = TokenSecret.generate(prefix: "pat")
            let api = apiFor(index, catalog: catalog)
            entries.append(ImportEntry(line: index + 1, description: "bench token \(index)", expires: "+365d",
                                       preset: api.preset, methods: api.methods, token: secret.value))
            values.append(secret.value)
            granted.append(api.methods.first ?? (api.preset == "Maven Plugin" ? "environment.Deployment.Deploy"
                : api.preset == "Marketplace" ? "marketplace.Jps.Install" : "environment.Control.StopEnv"))
        }
        let seconds = try Measure.seconds {
            _ = try store.importTokens(entries, WriteOptions(signer: key, identity: Identity(name: "bench", email: "bench@pat.local")))
        }
        log("built a store of \(count) tokens in \(Measure.format(seconds: seconds)) (pat import, one signed commit)")
        let signersFile = path + ".allowed_signers"
        try AllowedSigners(entries: [.init(principal: "bench@pat.local", key: key.publicKey)]).text
            .write(toFile: signersFile, atomically: true, encoding: .utf8)
        return BenchStore(path: path, store: store, key: key, signersFile: signersFile, values: values, granted: granted)
    }

    var writeOptions: WriteOptions { WriteOptions(signer: key, identity: Identity(name: "bench", email: "bench@pat.local")) }

    /// Thirds: allowed, denied (a method no token here grants), unknown (a well-formed value never issued).
    func requests(_ count: Int) -> [Request] {
        let catalog = try? BuiltInTemplates.catalog()
        return (0..<count).map { index in
            let slot = (index / 3) % values.count
            let (token, method): (String, String)
            switch index % 3 {
            case 0: (token, method) = (values[slot], granted[slot])
            case 1: (token, method) = (values[slot], "users.Authentication.CreateToken")
            default: (token, method) = (TokenSecret.generate(prefix: "pat").value, granted[slot])
            }
            let url = catalog?.method(named: method)?.urlPath ?? "/1.0/environment/control/rest/stopenv"
            return Request(token: token, method: method, urlPath: url)
        }
    }
}
