import HTTPTypes
import Hummingbird
import Logging
import ParleyAPI

/// The public HTTP door: every public route of the schema, health checks, and the contract's error shape
/// for everything that goes wrong, including paths and methods no route knows.
public enum Gateway {
    public typealias Context = BasicAPIRequestContext

    public static func router(services: ServiceSet, security: any APISecurity) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: APIErrorMiddleware(routes: ServiceSet.publicRoutes + [APIRouteDescriptor(method: .get, path: "/healthz", operation: "healthz")]))
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: APIMediaType.json], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        services.auth.registerRoutes(on: router, security: security)
        services.users.registerRoutes(on: router, security: security)
        services.chats.registerRoutes(on: router, security: security)
        services.messages.registerRoutes(on: router, security: security)
        services.media.registerRoutes(on: router, security: security)
        services.notifications.registerRoutes(on: router, security: security)
        return router
    }

    public static func application(configuration: GatewayConfiguration, services: ServiceSet = .inProcess(),
                                   security: any APISecurity = DenyAllSecurity(), logger: Logger) -> some ApplicationProtocol {
        Application(
            router: router(services: services, security: security),
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
