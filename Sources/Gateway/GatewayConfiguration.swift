import Foundation

/// Where the gateway listens and keeps its embedded data.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: URL
    /// MongoDB instead of the embedded SQLite file, when set.
    public var mongoURI: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: URL = URL(fileURLWithPath: "data"), mongoURI: String? = nil) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.mongoURI = mongoURI
    }

    /// Reads `HOST`, `PORT` and `DATA_DIR`; a bad value is an error that names the variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        if let host = environment["HOST"], !host.isEmpty { configuration.host = host }
        if let text = environment["PORT"], !text.isEmpty {
            guard let port = Int(text), (0...65535).contains(port) else {
                throw ConfigurationError("PORT must be a port number between 0 and 65535, not '\(text)'")
            }
            configuration.port = port
        }
        if let directory = environment["DATA_DIR"], !directory.isEmpty { configuration.dataDirectory = URL(fileURLWithPath: directory) }
        if let uri = environment["MONGO_URI"], !uri.isEmpty {
            guard uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") else {
                throw ConfigurationError("MONGO_URI must start with mongodb:// or mongodb+srv://")
            }
            configuration.mongoURI = uri
        }
        return configuration
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
