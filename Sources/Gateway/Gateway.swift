import HTTPTypes
import Hummingbird
import Logging
import ParleyAPI

/// The public HTTP door: every public route of the schema, health checks, and the contract's error shape
/// for everything that goes wrong, including paths and methods no route knows.
public enum Gateway {
    public typealias Context = BasicAPIRequestContext

    /// Checks that the engines behind the gateway answer; throws when one does not.
    public typealias ReadinessCheck = @Sendable () async throws -> Void

    public static func router(services: ServiceSet, security: any APISecurity, readiness: @escaping ReadinessCheck = {}) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestIDMiddleware())
        let probes = [APIRouteDescriptor(method: .get, path: "/healthz", operation: "healthz"), APIRouteDescriptor(method: .get, path: "/readyz", operation: "readyz")]
        router.add(middleware: APIErrorMiddleware(routes: ServiceSet.publicRoutes + probes))
        router.get("/healthz") { _, _ in status("ok") }
        router.get("/readyz") { _, context in
            do {
                try await readiness()
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                throw APIError.unavailable("A backing service is not reachable")
            }
            return status("ready")
        }
        services.auth.registerRoutes(on: router, security: security)
        services.users.registerRoutes(on: router, security: security)
        services.chats.registerRoutes(on: router, security: security)
        services.messages.registerRoutes(on: router, security: security)
        services.media.registerRoutes(on: router, security: security)
        services.notifications.registerRoutes(on: router, security: security)
        return router
    }

    private static func status(_ value: String) -> Response {
        Response(status: .ok, headers: [.contentType: APIMediaType.json], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"\#(value)"}"#)))
    }

    public static func application(configuration: GatewayConfiguration, services: ServiceSet = .inProcess(),
                                   security: any APISecurity = DenyAllSecurity(), readiness: @escaping ReadinessCheck = {},
                                   logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(services: services, security: security, readiness: readiness),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "parley"),
            logger: logger
        )
    }
}

/// Echoes the request id in `X-Request-Id`, so a client can quote it and an operator find the log lines.
struct RequestIDMiddleware<Context: APIRequestContext>: RouterMiddleware {
    static var header: HTTPField.Name? { HTTPField.Name("X-Request-Id") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if let header = Self.header { response.headers[header] = context.requestID }
        return response
    }
}
