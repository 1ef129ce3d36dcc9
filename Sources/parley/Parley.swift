import ArgumentParser
import AuthService
import Coordination
import Foundation
import Gateway
import Hummingbird
import Logging
import MediaService
import MongoStore
import NIOCore
import NIOPosix
import NotificationsService
import Outbound
import ParleyAPI
import ParleyStore
import SQLiteStore
import ServiceLifecycle
import SocketIO

@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parley: a chat backend whose API is generated from schema/.",
        version: "\(APIInfo.title) \(APIInfo.version)",
        subcommands: [Serve.self, Migrate.self]
    )

    static func main() async {
        // Swift concurrency runs its jobs on NIO's event loops, the ones the server's connections live on: a request's
        // handler and its socket share a thread instead of handing the request to another pool and the answer back.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every command shares; flags override the environment.
struct CommonOptions: ParsableArguments {
    @Option(help: "Folder for embedded data (default: DATA_DIR or ./data).") var dataDir: String?

    func configuration() throws -> Configuration {
        var configuration: Configuration
        do {
            configuration = try Configuration.load()
        } catch let error as ConfigurationError {
            throw ValidationError("configuration:\n\(error.description)")
        }
        if let dataDir { configuration.dataDirectory = URL(fileURLWithPath: dataDir) }
        // What Parley writes (the SQLite files, development secrets, the mail outbox) is readable by this user only,
        // from the moment it is created: a later chmod would leave a window open.
        umask(0o077)
        let folder = configuration.dataDirectory.path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A folder made by an earlier version with the default 0755 is narrowed too.
        try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        return configuration
    }
}

extension Configuration {
    /// MongoDB when `MONGO_URI` is set, else the SQLite file in the data folder.
    func openStore(logger: Logger) throws -> any Store {
        if let mongoURI {
            logger.info("store: MongoDB")
            return try MongoStore(uri: mongoURI)
        }
        let path = dataDirectory.appendingPathComponent("parley.sqlite").path
        logger.info("store: SQLite", metadata: ["path": "\(path)"])
        return try SQLiteStore(path: path)
    }

    /// Secrets from the environment; in development, the ones it leaves unset come from the data folder.
    func secrets() throws -> AuthSecrets {
        // Set them all, and the data folder is not touched: processes of a split deployment may share one.
        if let jwtAccessSecret, let jwtRefreshSecret, let internalSecret {
            return AuthSecrets(accessSecret: jwtAccessSecret, refreshSecret: jwtRefreshSecret, internalSecret: internalSecret)
        }
        var secrets = try AuthSecrets.persisted(in: dataDirectory)
        if let jwtAccessSecret { secrets.accessSecret = jwtAccessSecret }
        if let jwtRefreshSecret { secrets.refreshSecret = jwtRefreshSecret }
        if let internalSecret { secrets.internalSecret = internalSecret }
        return secrets
    }

    /// VAPID keys from the environment; in development, created once and kept in the data folder.
    func pushIdentity() throws -> WebPushSender.Identity {
        let keys =
            if let vapidPrivateKey, let vapidPublicKey {
                try VAPIDKeys(privateKey: vapidPrivateKey, publicKey: vapidPublicKey)
            } else {
                try VAPIDKeys.persisted(in: dataDirectory)
            }
        return WebPushSender.Identity(keys: keys, subject: vapidSubject)
    }

    /// The process's logger; also makes every other logger of the process write in `LOG_FORMAT`. Once per process.
    func makeLogger() -> Logger {
        if logFormat != .text {
            let format = logFormat
            LoggingSystem.bootstrap { LineLogHandler(label: $0, format: format) }
        }
        var logger = Logger(label: "parley")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// What one `serve` process runs: the whole API (`all`), the public door with the services that have no URL
/// (`gateway`), or one service behind a gateway.
enum Role: ExpressibleByArgument, Equatable {
    case all, gateway
    case service(ServiceName)

    init?(argument: String) {
        switch argument {
        case "all": self = .all
        case "gateway": self = .gateway
        default:
            guard let service = ServiceName(rawValue: argument) else { return nil }
            self = .service(service)
        }
    }

    static var allValueStrings: [String] { ["all", "gateway"] + ServiceName.allCases.map(\.rawValue) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrates the store, then serves every route of the API, or one service of it.")

    @Option(help: "Address to listen on (default: HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: PORT or 8080).") var port: Int?
    @Option(
        help: """
            all: everything in this process (the default). gateway: the public door, calling each service whose \
            <NAME>_URL is set over HTTP. auth, users, chats, messages, media, notifications: that service alone, behind a gateway.
            """
    )
    var service: Role = .all
    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = try common.configuration()
        if let host { config.host = host }
        if let port { config.port = port }
        // `all` is one process whatever the environment says: the URLs are for `--service gateway` and the services.
        let ignoredURLs = service == .all && !config.serviceURLs.isEmpty
        if service == .all { config.serviceURLs = [:] }
        if case .service(let name) = service { config.serviceURLs[name] = nil }
        if service != .all {
            do { try config.checkSplitDeployment() } catch let error as ConfigurationError { throw ValidationError(error.description) }
        }
        let logger = config.makeLogger()
        if ignoredURLs { logger.notice("--service all runs every service in this process; the *_URL settings are for --service gateway") }

        let store = try config.openStore(logger: logger)
        try await store.migrate()
        let secrets = try config.secrets()
        let tokens = TokenService(secrets: secrets)
        let coordination = try config.redisURL.map { try Coordination.redis(url: $0) } ?? .inProcess()
        let events = BusEventPublisher(bus: coordination.bus, logger: logger)
        let http = ServiceHTTPClient()
        let remote = RemoteServices(
            Dictionary(
                uniqueKeysWithValues: config.serviceURLs.map { name, url in
                    (name, ServiceTransport(service: name.rawValue, baseURL: url, secret: secrets.internalSecret, client: http, logger: logger))
                }
            )
        )
        let services = try ServiceSet.assemble(
            store: store,
            tokens: tokens,
            mailer: OutboxMailer(url: config.outbox),
            coordination: coordination,
            events: events,
            mediaStorage: config.s3.map { S3Storage(settings: $0) as any MediaStorage }
                ?? LocalStorage(
                    folder: config.dataDirectory.appendingPathComponent("media"),
                    baseURL: config.baseURL,
                    secret: secrets.internalSecret
                ),
            outbound: OutboundClient(exceptions: config.privateTargets, extraTrustRoots: config.outboundCAFile),
            push: config.pushIdentity(),
            secureCookies: config.isProduction,
            remote: remote,
            logger: logger
        )
        let security = TokenSecurity(tokens: tokens, internalSecret: secrets.internalSecret)
        let metrics = config.servesMetrics ? MetricsEndpoint.bootstrap(token: config.metricsToken) : nil
        let readiness: Gateway.ReadinessCheck = {
            try await store.ping()
            try await coordination.checkReady()
        }
        logger.info(
            "starting",
            metadata: [
                "host": "\(config.host)", "port": "\(config.port)", "mode": "\(config.mode.rawValue)",
                "redis": "\(config.redisURL != nil)", "service": "\(service)",
                "remote": "\(config.serviceURLs.keys.map(\.rawValue).sorted())",
            ]
        )
        let router: Router<Gateway.Context>
        var realtime: Realtime?
        let background: [any Service]
        let sweepsSessions: Bool
        if case .service(let name) = service {
            router = Gateway.serviceRouter(
                name,
                services: services,
                security: security,
                internalSecret: secrets.internalSecret,
                metrics: metrics,
                readiness: readiness
            )
            background = name == .messages ? services.background : []
            sweepsSessions = name == .auth
        } else {
            let sockets = Realtime(
                services: services,
                store: store,
                coordination: coordination,
                events: events,
                security: security,
                logger: logger
            )
            let webApp = WebApp(folder: config.webDirectory)
            if webApp == nil {
                logger.notice(
                    "web app: no \(config.webDirectory.path)/index.html (build it with scripts/build-web, or set WEB_DIR); serving the API only"
                )
            } else {
                logger.info("web app", metadata: ["folder": "\(config.webDirectory.path)"])
            }
            router = Gateway.router(
                services: services,
                security: security,
                policies: .init(
                    allowedOrigins: config.allowedOrigins,
                    production: config.isProduction,
                    rateLimiter: coordination.rateLimiter,
                    rateLimitScale: config.rateLimitScale,
                    trustedProxies: config.trustedProxies
                ),
                realtime: sockets,
                webApp: webApp,
                metrics: metrics,
                readiness: readiness
            )
            realtime = sockets
            background = services.background
            sweepsSessions = config.serviceURLs[.auth] == nil
        }
        try await run(
            Gateway.application(
                router: router,
                realtime: realtime,
                background: background,
                host: config.host,
                port: config.port,
                production: config.isProduction,
                idleTimeout: config.idleTimeout,
                bodyTimeout: config.bodyTimeout,
                logger: logger
            ),
            sweeping: sweepsSessions ? store : nil,
            http: http,
            logger: logger
        )
    }

    /// Runs the server until it is told to stop; `sweeping`: the process that runs auth deletes expired sessions.
    private func run(_ application: some ApplicationProtocol, sweeping store: (any Store)?, http: ServiceHTTPClient, logger: Logger) async throws {
        // Expired sessions and reset tokens are refused when presented; this only keeps them from piling up (MongoDB's
        // TTL indexes do the same there).
        let sweeper = store.map { store in
            Task {
                while !Task.isCancelled {
                    do {
                        try await store.sessions.deleteExpired(before: Date())
                    } catch {
                        logger.warning("could not delete expired sessions", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
        defer { sweeper?.cancel() }
        // SIGTERM (an orchestrator replacing the task) stops accepting connections, lets requests in flight finish and
        // closes sockets as "going away" (clients reconnect, to another instance); what is still running after 20 s is
        // cancelled, within the 30 s an ECS task or a compose container is given before SIGKILL.
        var configuration = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: configuration).run()
        try await http.shutdown()
        logger.info("stopped")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates the store's tables or collections and indexes; safe to run again.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration()
        let logger = config.makeLogger()
        let store = try config.openStore(logger: logger)
        try await store.migrate()
        logger.info("store is migrated")
    }
}
