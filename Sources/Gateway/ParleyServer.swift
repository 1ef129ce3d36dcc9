import AuthService
public import Coordination
import Foundation
public import Hummingbird
public import Logging
import MediaService
import NotificationsService
import Outbound
public import ParleyAPI
public import ParleyStore
public import ServiceKit
public import ServiceLifecycle

/// One Parley process, wired in this one place for `parley serve` (every role) and for the tests: its services, each
/// in this process or reached over HTTP, the router of its role, the realtime layer and what runs in the background.
public struct ParleyServer {
    public typealias Context = BasicAPIRequestContext

    /// Checks that the engines behind the process answer; throws when one does not.
    public typealias ReadinessCheck = @Sendable () async throws -> Void

    /// What a process runs: the whole API (`all`), the public door with the services that have no URL (`gateway`),
    /// or one service behind a gateway.
    public enum Role: Equatable, Sendable {
        case all, gateway
        case service(ServiceName)

        /// Whether the process faces clients: the public routes, Socket.IO and the web app.
        public var isPublicDoor: Bool { self == .all || self == .gateway }
    }

    public let router: Router<Context>
    public let realtime: Realtime?
    public let background: [any Service]
    /// Whether this process deletes expired sessions: the one that runs auth does.
    public let sweepsSessions: Bool
    /// The connection pool to the other services, when some are remote; shut it down once the server stopped.
    public let http: ServiceHTTPClient?
    /// The services this process calls over HTTP.
    public let remote: [ServiceName]

    /// `store` is open and migrated, or nil when every service runs elsewhere (`needsStore`). `config.serviceURLs` name
    /// the services in other processes (`all` runs every one here whatever they say). `events` defaults to the shared
    /// bus; `metrics` is bootstrapped once per process by its caller; `readiness` defaults to pinging the store and the
    /// shared state.
    public init(
        role: Role,
        config: Configuration,
        store: (any Store)?,
        coordination: SharedState,
        events: (any EventPublisher)? = nil,
        metrics: MetricsEndpoint? = nil,
        webApp: WebApp? = nil,
        readiness: ReadinessCheck? = nil,
        logger: Logger
    ) throws {
        var serviceURLs = role == .all ? [:] : config.serviceURLs
        if case .service(let name) = role { serviceURLs[name] = nil }
        let secrets = try config.secrets()
        let tokens = TokenService(secrets: secrets)
        let events = events ?? BusEventPublisher(bus: coordination.bus, logger: logger)
        let http = serviceURLs.isEmpty ? nil : ServiceHTTPClient()
        var transports: [ServiceName: any APITransport] = [:]
        if let http {
            for (name, url) in serviceURLs {
                transports[name] = ServiceTransport(
                    service: name.rawValue,
                    baseURL: url,
                    secret: secrets.internalSecret,
                    client: http,
                    logger: logger
                )
            }
        }
        let services = try ServiceSet.assemble(
            store: store,
            tokens: tokens,
            mailer: OutboxMailer(url: config.outbox),
            coordination: coordination,
            events: events,
            mediaStorage: config.s3.map { S3Storage(settings: $0) as any MediaStorage }
                ?? LocalStorage(folder: config.dataDirectory.appendingPathComponent("media"), baseURL: config.baseURL, secret: secrets.internalSecret),
            outbound: OutboundClient(exceptions: config.privateTargets, extraTrustRoots: config.outboundCAFile),
            push: config.pushIdentity(),
            secureCookies: config.isProduction,
            remote: RemoteServices(transports),
            logger: logger
        )
        let security = TokenSecurity(tokens: tokens, internalSecret: secrets.internalSecret)
        let readiness =
            readiness ?? {
                try await store?.ping()
                try await coordination.checkReady()
            }
        switch role {
        case .service(let name):
            router = Self.serviceRouter(
                name,
                services: services,
                security: security,
                internalSecret: secrets.internalSecret,
                metrics: metrics,
                tracing: config.otlpEndpoint != nil,
                readiness: readiness
            )
            realtime = nil
            background = name == .messages ? services.background : []
            sweepsSessions = name == .auth
        case .all, .gateway:
            let sockets = Realtime(services: services, coordination: coordination, events: events, security: security, logger: logger)
            router = Self.router(
                services: services,
                security: security,
                policies: Policies(
                    allowedOrigins: config.allowedOrigins,
                    production: config.isProduction,
                    rateLimiter: coordination.rateLimiter,
                    rateLimitScale: config.rateLimitScale,
                    trustedProxies: config.trustedProxies
                ),
                realtime: sockets,
                webApp: webApp,
                metrics: metrics,
                tracing: config.otlpEndpoint != nil,
                readiness: readiness
            )
            realtime = sockets
            background = services.background
            sweepsSessions = serviceURLs[.auth] == nil
        }
        self.http = http
        self.remote = Array(serviceURLs.keys)
    }

    /// Whether a process of `role` runs a service here, and so needs the store: all but a gateway that was given
    /// every service's URL.
    public static func needsStore(_ role: Role, config: Configuration) -> Bool {
        role != .gateway || ServiceName.allCases.contains { config.serviceURLs[$0] == nil }
    }

    /// The HTTP server for `router` on `config`'s address, with the realtime layer and background work beside it.
    public func application(config: Configuration, logger: Logger) -> some ApplicationProtocol {
        Self.application(
            router: router,
            realtime: realtime,
            background: background,
            host: config.host,
            port: config.port,
            production: config.isProduction,
            idleTimeout: config.idleTimeout,
            bodyTimeout: config.bodyTimeout,
            logger: logger
        )
    }
}
