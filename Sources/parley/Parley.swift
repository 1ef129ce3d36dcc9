public import ArgumentParser
import Coordination
import Foundation
public import Gateway
import Hummingbird
import Logging
import MongoStore
import NIOCore
import NIOPosix
import OTel
import ParleyAPI
import ParleyStore
import SQLiteStore
import ServiceLifecycle

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

extension ParleyServer.Role: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "all": self = .all
        case "gateway": self = .gateway
        default:
            guard let service = ServiceName(rawValue: argument) else { return nil }
            self = .service(service)
        }
    }

    public static var allValueStrings: [String] { ["all", "gateway"] + ServiceName.allCases.map(\.rawValue) }

    /// How traces name the process: `parley`, `parley-gateway`, `parley-messages`, …
    var serviceName: String {
        switch self {
        case .all: "parley"
        case .gateway: "parley-gateway"
        case .service(let name): "parley-\(name.rawValue)"
        }
    }
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
    var service: ParleyServer.Role = .all
    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = try common.configuration()
        if let host { config.host = host }
        if let port { config.port = port }
        // `all` is one process whatever the environment says: the URLs are for `--service gateway` and the services.
        if service != .all {
            do { try config.checkSplitDeployment() } catch let error as ConfigurationError { throw ValidationError(error.description) }
        }
        let logger = config.makeLogger()
        if service == .all && !config.serviceURLs.isEmpty {
            logger.notice("--service all runs every service in this process; the *_URL settings are for --service gateway")
        }

        // Before the store is opened: metrics are bound to the backend there is when they are first recorded.
        let metrics = config.servesMetrics ? MetricsEndpoint.bootstrap(token: config.metricsToken) : nil
        // A gateway in front of six service processes holds no data of its own.
        var store: (any Store)?
        if ParleyServer.needsStore(service, config: config) {
            store = try config.openStore(logger: logger)
            try await store?.migrate()
        }
        let coordination = try config.redisURL.map { try SharedState.redis(url: $0) } ?? .inProcess()
        var webApp: WebApp?
        if service.isPublicDoor {
            webApp = WebApp(folder: config.webDirectory)
            if webApp == nil {
                logger.notice(
                    "web app: no \(config.webDirectory.path)/index.html (build it with scripts/build-web, or set WEB_DIR); serving the API only"
                )
            } else {
                logger.info("web app", metadata: ["folder": "\(config.webDirectory.path)"])
            }
        }
        let server = try ParleyServer(
            role: service,
            config: config,
            store: store,
            coordination: coordination,
            metrics: metrics,
            webApp: webApp,
            logger: logger
        )
        logger.info(
            "starting",
            metadata: [
                "host": "\(config.host)", "port": "\(config.port)", "mode": "\(config.mode.rawValue)",
                "redis": "\(config.redisURL != nil)", "service": "\(service)",
                "remote": "\(server.remote.map(\.rawValue).sorted())",
            ]
        )
        // Traces only: metrics stay on /metrics, logs on standard output.
        var observability: (any Service)?
        if config.otlpEndpoint != nil {
            var otel = OTel.Configuration.default
            otel.serviceName = service.serviceName
            otel.logs.enabled = false
            otel.metrics.enabled = false
            observability = try OTel.bootstrap(configuration: otel)
            logger.info("traces", metadata: ["endpoint": "\(config.otlpEndpoint ?? "")"])
        }
        try await run(
            server.application(config: config, logger: logger),
            observability: observability,
            sweeping: server.sweepsSessions ? store : nil,
            http: server.http,
            logger: logger
        )
    }

    /// Runs the server until it is told to stop; `sweeping`: the process that runs auth deletes expired sessions.
    /// `observability` (the trace exporter) stops after the server, so that its last spans are sent.
    private func run(
        _ application: some ApplicationProtocol,
        observability: (any Service)?,
        sweeping store: (any Store)?,
        http: ServiceHTTPClient?,
        logger: Logger
    ) async throws {
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
        var configuration = ServiceGroupConfiguration(
            services: [observability, application].compactMap { $0 },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(20)
        try await ServiceGroup(configuration: configuration).run()
        try await http?.shutdown()
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
