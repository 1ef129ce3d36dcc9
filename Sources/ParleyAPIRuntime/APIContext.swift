import HTTPTypes
public import Hummingbird
public import HummingbirdAuth
public import Logging

/// What a handler knows about the request besides its typed input; transport-neutral, so the same handler
/// runs behind the gateway or in its own process.
public struct APIContext: Sendable {
    public var requestID: String
    public var logger: Logger
    public var remoteAddress: String?
    public var userAgent: String?

    public init(requestID: String, logger: Logger, remoteAddress: String? = nil, userAgent: String? = nil) {
        self.requestID = requestID
        self.logger = logger
        self.remoteAddress = remoteAddress
        self.userAgent = userAgent
    }

    public init(request: Request, context: some APIRequestContext) {
        self.init(
            requestID: context.requestID,
            logger: context.logger,
            remoteAddress: context.remoteAddress,
            userAgent: request.headers[.userAgent]
        )
    }
}

/// The Hummingbird request context that generated route tables need. Its identity is the caller that
/// `BearerAuthenticator` found, so that a bearer token is verified once per request however many
/// middlewares and handlers need the caller.
public protocol APIRequestContext: AuthRequestContext where Identity == Caller {
    var requestID: String { get }
    var remoteAddress: String? { get set }
}

/// The authenticated user of a request.
public struct Caller: Sendable, Hashable {
    public var userId: ObjectId
    public var email: String
    public init(userId: ObjectId, email: String) {
        self.userId = userId
        self.email = email
    }
}

/// Checks credentials for the schema's security schemes.
public protocol APISecurity: Sendable {
    /// The caller for a bearer token; throws `APIError.unauthorized` when it is not valid.
    func authenticate(bearer token: String, context: APIContext) async throws -> Caller
    /// Checks a credential carried in a header or cookie for `scheme`; throws `APIError.unauthorized` otherwise.
    func verify(scheme: String, credential: String, context: APIContext) async throws
}

extension APISecurity {
    /// The caller an authenticator middleware already put in `context`, or else the bearer token checked now.
    public func caller(from request: Request, context: some APIRequestContext, api: APIContext) async throws -> Caller {
        if let identity = context.identity { return identity }
        return try await caller(from: request, context: api)
    }

    public func caller(from request: Request, context: APIContext) async throws -> Caller {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized() }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError.unauthorized("Authorization must be 'Bearer <token>'")
        }
        return try await authenticate(bearer: String(parts[1]), context: context)
    }

    public func verify(scheme: String, header name: String, request: Request, context: APIContext) async throws {
        guard let field = HTTPField.Name(name), let credential = request.headers[field] else { throw APIError.unauthorized() }
        try await verify(scheme: scheme, credential: credential, context: context)
    }

    public func verify(scheme: String, cookie name: String, request: Request, context: APIContext) async throws {
        guard let credential = request.cookies[name]?.value else { throw APIError.unauthorized() }
        try await verify(scheme: scheme, credential: credential, context: context)
    }
}

extension APIRequestContext {
    /// Hummingbird's per-request id, also in every log line of the request.
    public var requestID: String { id }
}

/// A request context with what generated routes need; enough for a server that adds nothing of its own.
public struct BasicAPIRequestContext: APIRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address; the client's, from `X-Forwarded-For`, when the gateway trusts the peer as a proxy.
    public var remoteAddress: String?
    public var identity: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Puts the caller of a valid bearer token in the context. A missing or invalid token passes through
/// unauthenticated: the routes that require a caller answer 401 with the reason, the others never look.
public struct BearerAuthenticator<Context: APIRequestContext>: AuthenticatorMiddleware {
    let security: any APISecurity

    public init(security: any APISecurity) { self.security = security }

    public func authenticate(request: Request, context: Context) async throws -> Caller? {
        try? await security.caller(from: request, context: APIContext(request: request, context: context))
    }
}
