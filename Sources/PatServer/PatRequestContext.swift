import HTTPTypes
import Hummingbird
import HummingbirdCore
import PatCore

/// The request context: Hummingbird's core storage plus the decision the authorising middleware made,
/// which is the request's identity (the token id, when allowed).
public struct PatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var decision: Decision?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Tokens and authorisation bodies are small; nothing bigger is read.
    public var maxUploadSize: Int { 16 * 1024 }
}

/// Authenticates and authorises a request before its handler runs, and puts the decision in the context.
/// `Source` says where the called method is: the request's own path, or nginx's `X-Original-URI`.
struct AuthorizationMiddleware: RouterMiddleware {
    typealias Context = PatRequestContext

    enum Source: Sendable { case requestPath, originalURI }

    let authority: Authority
    let source: Source

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let target: String
        switch source {
        case .requestPath: target = request.uri.string
        case .originalURI: target = request.headers[.xOriginalURI] ?? ""
        }
        var token = Answers.token(target: target, authorization: request.headers[.authorization])
        if token == nil, source == .requestPath, request.method == .post,
           request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            token = TokenExtraction.formValue("session", in: String(buffer: body)[...])
        }
        context.decision = authority.decide(token: token, target: target)
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xOriginalURI = Self("X-Original-URI")!
}
