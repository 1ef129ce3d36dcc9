import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging

@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parley: a chat backend whose API is generated from schema/.",
        subcommands: [Serve.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Starts the HTTP server with every generated route.")

    @Option(help: "Address to listen on (default: HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: PORT or 8080).") var port: Int?
    @Option(help: "Folder for embedded data (default: DATA_DIR or ./data).") var dataDir: String?

    func run() async throws {
        var configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.fromEnvironment()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let dataDir { configuration.dataDirectory = URL(fileURLWithPath: dataDir) }
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)

        var logger = Logger(label: "parley")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        logger.info("starting", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)", "dataDir": "\(configuration.dataDirectory.path)"])
        try await Gateway.application(configuration: configuration, logger: logger).runService()
    }
}
