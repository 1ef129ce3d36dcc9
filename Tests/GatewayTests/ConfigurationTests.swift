import Foundation
import Gateway
import Outbound
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsNeedNothing() throws {
        let config = try Configuration.load(environment: [:], dotEnv: nil)
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.mongoURI == nil)
        #expect(config.redisURL == nil)
        #expect(!config.isProduction)
        #expect(config.outbox.lastPathComponent == "outbox.jsonl")
    }

    @Test func everyBadVariableIsNamed() {
        let environment = [
            "PORT": "eighty", "MONGO_URI": "localhost", "REDIS_URL": "http://x", "RATE_LIMIT_SCALE": "0",
            "JWT_ACCESS_SECRET": "short", "ALLOWED_ORIGINS": "chat.example.com", "LOG_LEVEL": "loud", "PARLEY_ENV": "staging",
            "TRUSTED_PROXIES": "10.0.0.0/99",
        ]
        do {
            _ = try Configuration.load(environment: environment, dotEnv: nil)
            Issue.record("bad configuration accepted")
        } catch {
            let message = "\(error)"
            for name in environment.keys { #expect(message.contains(name), "\(name) is not named") }
        }
    }

    @Test func redisMayBeReachedOverTLS() throws {
        let url = "rediss://:token@master.cache.example.com:6379/0"
        #expect(try Configuration.load(environment: ["REDIS_URL": url], dotEnv: nil).redisURL == url)
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["REDIS_URL": "redis://cache?ca=/x.pem"], dotEnv: nil) }
    }

    @Test func tracesGoToAnOTLPHTTPEndpoint() throws {
        #expect(try Configuration.load(environment: [:], dotEnv: nil).otlpEndpoint == nil)
        let endpoint = "http://collector:4318"
        #expect(try Configuration.load(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint], dotEnv: nil).otlpEndpoint == endpoint)
        let both = ["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/v1/traces"]
        #expect(try Configuration.load(environment: both, dotEnv: nil).otlpEndpoint == "http://traces:4318/v1/traces")
        for bad in [
            ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"], ["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
        ] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try Configuration.load(environment: bad, dotEnv: nil) }
        }
    }

    @Test func serviceURLsAreOriginsAndASplitProcessNeedsSharedSettings() throws {
        let config = try Configuration.load(
            environment: ["MESSAGES_URL": "http://messages:8080", "CHATS_URL": "https://chats.internal/"],
            dotEnv: nil
        )
        #expect(config.serviceURLs == [.messages: "http://messages:8080", .chats: "https://chats.internal/"])
        for bad in ["messages:8080", "ftp://messages", "http://messages:8080/api", "http://messages?x=1"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try Configuration.load(environment: ["MESSAGES_URL": bad], dotEnv: nil) }
        }
        // Each process would make up its own secrets, and events would stay in the process that published them.
        do {
            try config.checkSplitDeployment()
            Issue.record("a split process started without shared secrets and Redis")
        } catch {
            for name in ["REDIS_URL", "JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET"] {
                #expect("\(error)".contains(name), "\(name) is not named")
            }
        }
        let secret = String(repeating: "s", count: 32)
        let shared = try Configuration.load(
            environment: ["REDIS_URL": "redis://redis:6379", "JWT_ACCESS_SECRET": secret, "JWT_REFRESH_SECRET": secret, "INTERNAL_SECRET": secret],
            dotEnv: nil
        )
        try shared.checkSplitDeployment()
    }

    @Test func productionRequiresSecretsAndItsOwnOrigins() throws {
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["PARLEY_ENV": "production"], dotEnv: nil) }
        let secret = String(repeating: "s", count: 32)
        let secrets = [
            "PARLEY_ENV": "production", "JWT_ACCESS_SECRET": secret, "JWT_REFRESH_SECRET": secret, "INTERNAL_SECRET": secret,
            "VAPID_PUBLIC_KEY": "public", "VAPID_PRIVATE_KEY": "private",
        ]
        // Without ALLOWED_ORIGINS production would grant the development localhost origins.
        do {
            _ = try Configuration.load(environment: secrets, dotEnv: nil)
            Issue.record("production started without ALLOWED_ORIGINS")
        } catch {
            #expect("\(error)".contains("ALLOWED_ORIGINS"))
        }
        let config = try Configuration.load(environment: secrets.merging(["ALLOWED_ORIGINS": "https://chat.example.com"]) { $1 }, dotEnv: nil)
        #expect(config.isProduction)
        #expect(config.allowedOrigins == ["https://chat.example.com"])
    }

    @Test func mediaAndPushSettings() throws {
        let config = try Configuration.load(
            environment: [
                "S3_BUCKET": "media", "S3_REGION": "eu-west-1", "S3_ENDPOINT": "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "AKID",
                "AWS_SECRET_ACCESS_KEY": "secret", "MEDIA_BASE_URL": "https://cdn.example.com", "PUBLIC_URL": "https://api.example.com/",
                "LINK_PREVIEW_ALLOW_PRIVATE": "127.0.0.2, ::1", "VAPID_SUBJECT": "https://parley.example.com/contact",
            ],
            dotEnv: nil
        )
        #expect(config.s3?.bucket == "media" && config.s3?.endpoint?.port == 9000 && config.s3?.publicBaseURL == "https://cdn.example.com")
        #expect(config.baseURL == "https://api.example.com")
        #expect(config.privateTargets == .only(Set(["127.0.0.2", "::1"].compactMap(IPAddress.init(literal:)))))
        #expect(config.vapidSubject == "https://parley.example.com/contact")
        #expect(try Configuration.load(environment: ["PORT": "9000"], dotEnv: nil).baseURL == "http://127.0.0.1:9000")
        #expect(try Configuration.load(environment: ["LINK_PREVIEW_ALLOW_PRIVATE": "1"], dotEnv: nil).privateTargets == .all)

        for environment in [
            ["S3_BUCKET": "media"],
            ["S3_BUCKET": "m", "S3_REGION": "r", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "S3_ENDPOINT": "ftp://x"],
            ["PUBLIC_URL": "api.example.com"], ["LINK_PREVIEW_ALLOW_PRIVATE": "localhost"], ["VAPID_PUBLIC_KEY": "only half"],
            ["VAPID_SUBJECT": "admin@example.com"], ["OUTBOUND_CA_FILE": "/nonexistent.pem"],
        ] {
            #expect(throws: ConfigurationError.self, "\(environment)") { try Configuration.load(environment: environment, dotEnv: nil) }
        }
        // A test allowance never reaches production.
        let secret = String(repeating: "s", count: 32)
        let production = [
            "PARLEY_ENV": "production", "JWT_ACCESS_SECRET": secret, "JWT_REFRESH_SECRET": secret, "INTERNAL_SECRET": secret,
            "ALLOWED_ORIGINS": "https://chat.example.com", "VAPID_PUBLIC_KEY": "p", "VAPID_PRIVATE_KEY": "k", "OUTBOUND_ALLOW_PRIVATE": "1",
        ]
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: production, dotEnv: nil) }
    }

    @Test func trustedProxiesAndTheRateLimitScaleAreChecked() throws {
        let config = try Configuration.load(environment: ["TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32,192.168.1.1"], dotEnv: nil)
        #expect(config.trustedProxies.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "192.168.1.1"])
        for (key, value) in [
            ("TRUSTED_PROXIES", "10.0.0.0/40"), ("TRUSTED_PROXIES", "everyone"), ("RATE_LIMIT_SCALE", "1e300"), ("RATE_LIMIT_SCALE", "inf"),
        ] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") { try Configuration.load(environment: [key: value], dotEnv: nil) }
        }
    }

    @Test func dotEnvFillsOnlyWhatTheEnvironmentLeavesUnset() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(UUID().uuidString).env")
        try Data("# comment\nexport PORT=9001\nHOST='0.0.0.0'\nREDIS_URL=\"redis://127.0.0.1:6379/0\"\n".utf8).write(to: file)
        let config = try Configuration.load(environment: ["HOST": "127.0.0.2"], dotEnv: file)
        #expect(config.port == 9001)
        #expect(config.host == "127.0.0.2")
        #expect(config.redisURL == "redis://127.0.0.1:6379/0")
    }
}
