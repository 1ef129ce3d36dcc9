import Foundation
import Gateway
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
        let environment = ["PORT": "eighty", "MONGO_URI": "localhost", "REDIS_URL": "http://x", "RATE_LIMIT_SCALE": "0",
                           "JWT_ACCESS_SECRET": "short", "ALLOWED_ORIGINS": "chat.example.com", "LOG_LEVEL": "loud", "PARLEY_ENV": "staging"]
        do {
            _ = try Configuration.load(environment: environment, dotEnv: nil)
            Issue.record("bad configuration accepted")
        } catch {
            let message = "\(error)"
            for name in environment.keys { #expect(message.contains(name), "\(name) is not named") }
        }
    }

    @Test func productionRequiresSecrets() {
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["PARLEY_ENV": "production"], dotEnv: nil) }
        let secret = String(repeating: "s", count: 32)
        let config = try? Configuration.load(environment: ["PARLEY_ENV": "production", "JWT_ACCESS_SECRET": secret, "JWT_REFRESH_SECRET": secret,
                                                           "INTERNAL_SECRET": secret], dotEnv: nil)
        #expect(config?.isProduction == true)
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
