import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging
import ParleyStore
import SQLiteStore

@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parley: a chat backend whose API is generated from schema/.",
        subcommands: [Serve.self, Migrate.self]
    )
}

/// Options every command that touches the data shares; flags override the environment.
struct DataOptions: ParsableArguments {
    @Option(help: "Folder for embedded data (default: DATA_DIR or ./data).") var dataDir: String?

    func configuration() throws -> GatewayConfiguration {
        var configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.fromEnvironment()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        if let dataDir { configuration.dataDirectory = URL(fileURLWithPath: dataDir) }
        return configuration
    }
}

extension GatewayConfiguration {
    /// MongoDB when `MONGO_URI` is set, else the SQLite file in the data folder.
    func openStore(logger: Logger) throws -> any Store {
        if mongoURI != nil {
            throw ValidationError("MONGO_URI is set, but this build has no MongoDB store yet")
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory.appendingPathComponent("parley.sqlite").path
        logger.info("store: SQLite", metadata: ["path": "\(path)"])
        return try SQLiteStore(path: path)
    }
}

func makeLogger() -> Logger {
    var logger = Logger(label: "parley")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrates the store, then starts the HTTP server with every generated route.")

    @Option(help: "Address to listen on (default: HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: PORT or 8080).") var port: Int?
    @OptionGroup var data: DataOptions

    func run() async throws {
        var configuration = try data.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let logger = makeLogger()
        let store = try configuration.openStore(logger: logger)
        try await store.migrate()
        logger.info("starting", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
        try await Gateway.application(configuration: configuration, readiness: { try await store.ping() }, logger: logger).runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates the store's tables or collections and indexes; safe to run again.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let logger = makeLogger()
        let store = try data.configuration().openStore(logger: logger)
        try await store.migrate()
        logger.info("store is migrated")
    }
}
