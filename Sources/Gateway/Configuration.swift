public import Foundation
public import MediaService
public import Outbound
import ParleyRedis

/// Everything Parley reads from its environment, checked once at start. In development a `.env` file in the
/// working directory fills variables the environment leaves unset. `.env.example` lists every variable.
public struct Configuration: Sendable {
    public enum Mode: String, Sendable { case development, production }

    public var mode: Mode = .development
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = URL(fileURLWithPath: "data")
    /// MongoDB instead of the embedded SQLite file.
    public var mongoURI: String?
    /// Redis for presence, rate limits and cross-instance events instead of in-process state.
    public var redisURL: String?
    /// Unset in development: generated once and kept in the data folder.
    public var jwtAccessSecret: String?
    public var jwtRefreshSecret: String?
    /// Browser origins allowed to call the API with credentials; production must name its own.
    public var allowedOrigins: [String] = ["http://localhost:5173", "http://127.0.0.1:8080", "http://localhost:8080"]
    /// Multiplies every rate limit (load tests and test suites from one address); never turns them off.
    public var rateLimitScale = 1.0
    /// Load balancers whose `X-Forwarded-For` names the client; empty: the peer is the client.
    public var trustedProxies: [CIDR] = []
    /// How long a connection may idle between requests, and a request body may stall, before it is closed.
    public var idleTimeout: Duration = .seconds(75)
    public var bodyTimeout: Duration = .seconds(30)
    /// Where the development mailer appends its JSON lines; default `<DATA_DIR>/outbox.jsonl`.
    public var mailOutbox: URL?
    /// The shared secret of internal routes; unset in development: generated and kept in the data folder.
    public var internalSecret: String?
    public var logLevel = "info"
    /// How browsers reach this server, for the URLs of the embedded media; default `http://<HOST>:<PORT>`.
    public var publicURL: String?
    /// Media in S3 when set; in `<DATA_DIR>/media` otherwise.
    public var s3: S3Storage.Settings?
    /// Test configurations only: the private and loopback addresses link previews and push deliveries may reach.
    public var privateTargets: OutboundClient.Exceptions = .none
    /// Extra trusted roots (PEM) for outbound HTTPS, for a test push service with its own CA.
    public var outboundCAFile: String?
    /// VAPID keys (base64url P-256 private scalar and uncompressed public point); generated and kept in the data
    /// folder in development.
    public var vapidPublicKey: String?
    public var vapidPrivateKey: String?
    public var vapidSubject = "mailto:admin@parley.invalid"
    /// The web app's bundle, served at `/` when it holds an `index.html`.
    public var webDirectory = URL(fileURLWithPath: "web/dist")
    /// The bearer token `/metrics` asks of scrapers; without one, `/metrics` is served in development only.
    public var metricsToken: String?
    /// Where OpenTelemetry traces go (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`, over
    /// OTLP/HTTP); without one, nothing is traced. The other `OTEL_*` variables are swift-otel's to read.
    public var otlpEndpoint: String?
    /// How log lines are written: `text` (for people), `logfmt` or `json` (for log pipelines).
    public var logFormat: LineLogHandler.Format = .text
    /// Services running in their own processes (`AUTH_URL`, …, `NOTIFICATIONS_URL`); every other one runs in this one.
    public var serviceURLs: [ServiceName: String] = [:]

    public init() {}

    /// Far above any test or load run, and small enough that a scaled limit stays an exact integer.
    public static let maximumRateLimitScale = 1_000_000.0

    public var isProduction: Bool { mode == .production }
    /// `/metrics` is served with a token, or without one in development.
    public var servesMetrics: Bool { metricsToken != nil || !isProduction }
    public var outbox: URL { mailOutbox ?? dataDirectory.appendingPathComponent("outbox.jsonl") }
    public var baseURL: String { publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Reads and checks every variable; the error names each one that is wrong, not just the first.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnv: URL? = URL(fileURLWithPath: ".env")
    ) throws -> Configuration {
        var env = environment
        if let dotEnv, env["PARLEY_ENV"] != "production", let text = try? String(contentsOf: dotEnv, encoding: .utf8) {
            for (key, value) in parseDotEnv(text) where env[key] == nil { env[key] = value }
        }
        var config = Configuration()
        var problems: [String] = []
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }

        if let mode = value("PARLEY_ENV") {
            if let parsed = Mode(rawValue: mode) {
                config.mode = parsed
            } else {
                problems.append("PARLEY_ENV must be development or production, not '\(mode)'")
            }
        }
        if let host = value("HOST") { config.host = host }
        if let text = value("PORT") {
            if let port = Int(text), (0...65535).contains(port) {
                config.port = port
            } else {
                problems.append("PORT must be a port number between 0 and 65535, not '\(text)'")
            }
        }
        if let directory = value("DATA_DIR") { config.dataDirectory = URL(fileURLWithPath: directory) }
        if let uri = value("MONGO_URI") {
            if uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") {
                config.mongoURI = uri
            } else {
                problems.append("MONGO_URI must start with mongodb:// or mongodb+srv://")
            }
        }
        if let url = value("REDIS_URL") {
            do {
                _ = try RedisConfiguration(url: url)
                config.redisURL = url
            } catch {
                problems.append("REDIS_URL: \(error.message) (redis://[[user]:password@]host[:port][/db], or rediss:// for TLS)")
            }
        }
        for (key, path) in [
            ("JWT_ACCESS_SECRET", \Configuration.jwtAccessSecret), ("JWT_REFRESH_SECRET", \Configuration.jwtRefreshSecret),
            ("INTERNAL_SECRET", \Configuration.internalSecret),
        ] {
            guard let secret = value(key) else {
                if config.isProduction { problems.append("\(key) is required in production") }
                continue
            }
            if secret.utf8.count < 32 { problems.append("\(key) must be at least 32 characters") } else { config[keyPath: path] = secret }
        }
        if config.isProduction, value("ALLOWED_ORIGINS") == nil {
            problems.append("ALLOWED_ORIGINS is required in production (the web app's origins, e.g. https://chat.example.com)")
        }
        if let origins = value("ALLOWED_ORIGINS") {
            let list = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let bad = list.filter { !(($0.hasPrefix("http://") || $0.hasPrefix("https://")) && !$0.hasSuffix("/")) }
            if bad.isEmpty {
                config.allowedOrigins = list
            } else {
                problems.append("ALLOWED_ORIGINS must be comma-separated origins like https://chat.example.com, not \(bad.joined(separator: ", "))")
            }
        }
        if let text = value("RATE_LIMIT_SCALE") {
            if let scale = Double(text), scale > 0, scale <= Self.maximumRateLimitScale {
                config.rateLimitScale = scale
            } else {
                problems.append("RATE_LIMIT_SCALE must be a positive number up to \(Int(Self.maximumRateLimitScale)), not '\(text)'")
            }
        }
        if let text = value("TRUSTED_PROXIES") {
            let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let parsed = entries.map { ($0, CIDR($0)) }
            let bad = parsed.filter { $0.1 == nil }.map(\.0)
            if bad.isEmpty {
                config.trustedProxies = parsed.compactMap(\.1)
            } else {
                problems.append("TRUSTED_PROXIES must be comma-separated addresses or CIDRs like 10.0.0.0/8, not \(bad.joined(separator: ", "))")
            }
        }
        for (key, path) in [("HTTP_IDLE_TIMEOUT", \Configuration.idleTimeout), ("HTTP_BODY_TIMEOUT", \Configuration.bodyTimeout)] {
            guard let text = value(key) else { continue }
            if let seconds = Double(text), seconds > 0, seconds <= 86_400 {
                config[keyPath: path] = .milliseconds(Int64((seconds * 1000).rounded(.up)))
            } else {
                problems.append("\(key) must be a number of seconds between 0 and 86400, not '\(text)'")
            }
        }
        if let folder = value("WEB_DIR") { config.webDirectory = URL(fileURLWithPath: folder) }
        if let outbox = value("MAIL_OUTBOX") { config.mailOutbox = URL(fileURLWithPath: outbox) }
        if let level = value("LOG_LEVEL") {
            if ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) {
                config.logLevel = level
            } else {
                problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
        }
        if let text = value("LOG_FORMAT") {
            if let format = LineLogHandler.Format(rawValue: text) {
                config.logFormat = format
            } else {
                problems.append("LOG_FORMAT must be text, logfmt or json, not '\(text)'")
            }
        }
        if let endpoint = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            if let url = URL(string: endpoint), ["http", "https"].contains(url.scheme), url.host != nil {
                config.otlpEndpoint = endpoint
            } else {
                problems.append("OTEL_EXPORTER_OTLP_ENDPOINT must be an http or https URL")
            }
            for key in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] where value(key) == "grpc" {
                problems.append("\(key)=grpc is not built in: use http/protobuf or http/json")
            }
        }
        if let token = value("METRICS_TOKEN") {
            if token.utf8.count >= 16 { config.metricsToken = token } else { problems.append("METRICS_TOKEN must be at least 16 characters") }
        }
        if let url = value("PUBLIC_URL") {
            if (url.hasPrefix("http://") || url.hasPrefix("https://")) && URL(string: url)?.host != nil {
                config.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                problems.append("PUBLIC_URL must be an http(s) URL like https://api.example.com, not '\(url)'")
            }
        }
        if let bucket = value("S3_BUCKET") {
            var endpoint: URL?
            if let text = value("S3_ENDPOINT") {
                endpoint = URL(string: text).flatMap { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil ? $0 : nil }
                if endpoint == nil { problems.append("S3_ENDPOINT must be an http(s) URL, not '\(text)'") }
            }
            let region = value("S3_REGION") ?? value("AWS_REGION")
            if region == nil { problems.append("S3_REGION is required with S3_BUCKET") }
            let credentials = AWSCredentialSource.fromEnvironment(value)
            if credentials == nil {
                problems.append(
                    "S3_BUCKET needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an ECS task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)"
                )
            }
            if let region, let credentials {
                config.s3 = S3Storage.Settings(
                    bucket: bucket,
                    region: region,
                    endpoint: endpoint,
                    credentials: credentials,
                    publicBaseURL: value("MEDIA_BASE_URL")
                )
            }
        }
        for key in ["LINK_PREVIEW_ALLOW_PRIVATE", "OUTBOUND_ALLOW_PRIVATE"] {
            guard let text = value(key), text != "0" else { continue }
            if config.isProduction { problems.append("\(key) is for test configurations and refused in production") }
            if text == "1" {
                config.privateTargets = .all
                continue
            }
            let addresses = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let parsed = addresses.compactMap { IPAddress(literal: $0) }
            if parsed.count == addresses.count {
                config.privateTargets = .only(Set(parsed))
            } else {
                problems.append("\(key) must be 1, 0 or comma-separated IP addresses, not '\(text)'")
            }
        }
        if let file = value("OUTBOUND_CA_FILE") {
            if FileManager.default.isReadableFile(atPath: file) {
                config.outboundCAFile = file
            } else {
                problems.append("OUTBOUND_CA_FILE must name a readable PEM file, not '\(file)'")
            }
        }
        config.vapidPublicKey = value("VAPID_PUBLIC_KEY")
        config.vapidPrivateKey = value("VAPID_PRIVATE_KEY")
        if (config.vapidPublicKey == nil) != (config.vapidPrivateKey == nil) {
            problems.append("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together")
        } else if config.isProduction, config.vapidPrivateKey == nil {
            problems.append("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required in production")
        }
        if let subject = value("VAPID_SUBJECT") {
            if subject.hasPrefix("mailto:") || subject.hasPrefix("https://") {
                config.vapidSubject = subject
            } else {
                problems.append("VAPID_SUBJECT must be a mailto: or https: URL")
            }
        }
        for service in ServiceName.allCases {
            let key = service.rawValue.uppercased() + "_URL"
            guard let text = value(key) else { continue }
            if let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.path.isEmpty || url.path == "/",
                url.query == nil
            {
                config.serviceURLs[service] = text
            } else {
                problems.append("\(key) must be the service's http(s) origin like http://\(service.rawValue):8080, not '\(text)'")
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems.joined(separator: "\n")) }
        return config
    }

    /// What a process that is part of a split deployment needs, as one message naming each missing setting: events
    /// reach the gateway's sockets through Redis, and tokens and the internal secret must be the same in every process
    /// (a secret each made up on its own would not be the others'). The data is shared through MongoDB, or on one
    /// machine through the SQLite file of a shared `DATA_DIR` (SQLite locks the file across processes).
    public func checkSplitDeployment() throws {
        var missing: [String] = []
        if redisURL == nil { missing.append("REDIS_URL (events reach the gateway's sockets through Redis)") }
        for (key, value) in [("JWT_ACCESS_SECRET", jwtAccessSecret), ("JWT_REFRESH_SECRET", jwtRefreshSecret), ("INTERNAL_SECRET", internalSecret)]
        where value == nil {
            missing.append("\(key) (the same in every process)")
        }
        guard missing.isEmpty else {
            throw ConfigurationError("services in separate processes need:\n" + missing.map { "  \($0)" }.joined(separator: "\n"))
        }
    }

    /// `KEY=value` lines; `#` comments, optional `export`, and single or double quotes around values.
    static func parseDotEnv(_ text: String) -> [(String, String)] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else { return nil }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            return key.isEmpty ? nil : (key, value)
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
