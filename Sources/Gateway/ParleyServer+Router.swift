public import Coordination
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MediaService
import NIOCore
import ParleyAPI
import ServiceLifecycle
import SocketIO

/// The routers of each role and the HTTP server they run in.
extension ParleyServer {
    /// Cross-cutting behaviour in front of every route.
    public struct Policies: Sendable {
        public var allowedOrigins: [String]
        public var production: Bool
        public var rateLimiter: any RateLimiter
        public var rateLimitScale: Double
        public var trustedProxies: [CIDR]

        public init(
            allowedOrigins: [String] = [],
            production: Bool = false,
            rateLimiter: any RateLimiter,
            rateLimitScale: Double = 1,
            trustedProxies: [CIDR] = []
        ) {
            self.allowedOrigins = allowedOrigins
            self.production = production
            self.rateLimiter = rateLimiter
            self.rateLimitScale = rateLimitScale
            self.trustedProxies = trustedProxies
        }
    }

    /// The public HTTP door: every public route of the schema, health checks, and the contract's error shape for
    /// everything that goes wrong, including paths and methods no route knows.
    static func router(
        services: ServiceSet,
        security: any APISecurity,
        policies: Policies,
        realtime: Realtime? = nil,
        webApp: WebApp? = nil,
        metrics: MetricsEndpoint? = nil,
        tracing: Bool = false,
        readiness: @escaping ReadinessCheck = {}
    ) -> Router<Context> {
        let router = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RouteLabelMiddleware(routes: ServiceSet.publicRoutes))
        if tracing { router.add(middleware: TracingMiddleware()) }
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ClientAddressMiddleware(trustedProxies: policies.trustedProxies))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: SecurityHeadersMiddleware(production: policies.production))
        router.add(middleware: CORSMiddleware(allowedOrigins: Set(policies.allowedOrigins)))
        let documents: [(path: String, type: String, body: String)] = [
            ("/openapi.json", APIMediaType.json, APIDocuments.openAPI), ("/asyncapi.json", APIMediaType.json, APIDocuments.asyncAPI),
            ("/docs", "text/html; charset=utf-8", APIDocuments.reference),
        ]
        let probes = (["/healthz", "/readyz"] + documents.map(\.path)).map { APIRouteDescriptor(method: .get, path: $0, operation: $0) }
        let fileRoutes = (services.mediaFiles == nil ? [] : MediaFiles.routes) + (webApp == nil ? [] : WebApp.routes)
        let metricsRoutes = metrics == nil ? [] : [MetricsEndpoint.route]
        router.add(middleware: APIErrorMiddleware(routes: ServiceSet.publicRoutes + probes + fileRoutes + metricsRoutes))
        router.add(middleware: BearerAuthenticator(security: security))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: RateLimitMiddleware(limiter: policies.rateLimiter, scale: policies.rateLimitScale))
        addProbes(to: router, readiness: readiness)
        for document in documents {
            let body = ByteBuffer(string: document.body)
            router.get(RouterPath(document.path)) { _, _ in
                Response(status: .ok, headers: [.contentType: document.type, .cacheControl: "no-cache"], body: .init(byteBuffer: body))
            }
        }
        metrics?.addRoute(to: router)
        realtime?.engine.addRoutes(to: router)
        for service in ServiceName.allCases { services.registerPublicRoutes(of: service, on: router, security: security) }
        services.mediaFiles?.addRoutes(to: router)
        webApp?.addRoutes(to: router)
        return router
    }

    /// One service in its own process, behind the gateway: its routes (internal ones included) and health checks,
    /// and nothing for a caller without the internal secret. No CORS, rate limits or bearer tokens: the gateway did
    /// those, and forwards the caller it authenticated.
    static func serviceRouter(
        _ service: ServiceName,
        services: ServiceSet,
        security: any APISecurity,
        internalSecret: String,
        metrics: MetricsEndpoint? = nil,
        tracing: Bool = false,
        readiness: @escaping ReadinessCheck = {}
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RouteLabelMiddleware(routes: service.routes))
        // The span of a call from the gateway continues the gateway's trace (`traceparent`).
        if tracing { router.add(middleware: TracingMiddleware()) }
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        let probes = ["/healthz", "/readyz"].map { APIRouteDescriptor(method: .get, path: $0, operation: $0) }
        let open = probes + (metrics == nil ? [] : [MetricsEndpoint.route])
        let files = service == .media && services.mediaFiles != nil ? MediaFiles.routes : []
        router.add(middleware: APIErrorMiddleware(routes: service.routes + files + open))
        // Scrapers and orchestrators do not hold the internal secret; /metrics has its own token.
        router.add(middleware: InternalCallerMiddleware(secret: internalSecret, open: Set(open.map(\.path))))
        router.add(middleware: AccessLogMiddleware())
        addProbes(to: router, readiness: readiness)
        metrics?.addRoute(to: router)
        services.registerRoutes(of: service, on: router, security: security)
        return router
    }

    /// `/healthz` (the process answers) and `/readyz` (the engines behind it answer too).
    private static func addProbes(to router: Router<Context>, readiness: @escaping ReadinessCheck) {
        router.get("/healthz") { _, _ in status("ok") }
        let probe = ReadinessProbe(check: readiness)
        router.get("/readyz") { _, context in
            if let problem = await probe.problem() {
                context.logger.warning("not ready", metadata: ["error": "\(problem)"])
                throw APIError.unavailable("A backing service is not reachable")
            }
            return status("ready")
        }
    }

    private static func status(_ value: String) -> Response {
        Response(status: .ok, headers: [.contentType: APIMediaType.json], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"\#(value)"}"#)))
    }

    /// `idleTimeout`: between requests a connection may idle this long; `bodyTimeout`: a body may stall this long.
    static func application(
        router: Router<Context>,
        realtime: Realtime? = nil,
        background: [any Service] = [],
        host: String,
        port: Int,
        production: Bool = false,
        idleTimeout: Duration = .seconds(75),
        bodyTimeout: Duration = .seconds(30),
        logger: Logger
    ) -> some ApplicationProtocol {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(bodyStall: TimeAmount(bodyTimeout), production: production)],
            idleTimeout: TimeAmount(idleTimeout)
        )
        var application = Application(
            router: router,
            server: realtime.map { realtime in
                .engineIO([realtime.engine], http1: http1) {
                    [FirstRequestGuard(production: production, idleTimeout: TimeAmount(idleTimeout))]
                }
            } ?? .http1(configuration: http1),
            configuration: .init(address: .hostname(host, port: port), serverName: "parley"),
            logger: logger
        )
        application.addServices((realtime?.services ?? []) + background)
        return application
    }
}

/// Echoes the request id in `X-Request-Id`, so a client can quote it and an operator find the log lines.
struct RequestIDMiddleware<Context: APIRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[ForwardedHeader.requestID] = context.requestID
        return response
    }
}
