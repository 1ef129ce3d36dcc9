import Foundation
import ParleyRedis

#if canImport(Glibc)
import Glibc
#endif

/// The Redis server the tests use: `PARLEY_TEST_REDIS_URL` when set, otherwise a `redis-server` this test
/// process starts once, on a free port, without persistence. It is stopped when the process exits, even
/// by a crash: a shell watches a pipe only this process holds open, and kills the server at EOF.
/// When no server can be had, the Redis tests fail with the reason (they never skip).
enum RedisTestServer {
    static func url() async throws -> String {
        try await shared.value.url
    }

    static func configuration() async throws -> RedisConfiguration {
        try RedisConfiguration(url: try await url())
    }

    /// A client of its own for one test, named so that its connections can be found in `CLIENT LIST`.
    static func client(poolSize: Int = 2, name: String? = nil, commandTimeout: Duration? = nil) async throws -> RedisClient {
        var configuration = try await configuration()
        configuration.clientName = name ?? "parley-test"
        if let commandTimeout { configuration.commandTimeout = commandTimeout }
        return RedisClient(configuration: configuration, poolSize: poolSize)
    }

    private static let shared = Task<Running, Error> {
        if let url = ProcessInfo.processInfo.environment["PARLEY_TEST_REDIS_URL"], !url.isEmpty {
            return Running(url: url, watchdog: nil)
        }
        return try await start()
    }

    private final class Running: Sendable {
        let url: String
        /// The write end of the watchdog pipe, held open for the life of the test process.
        let watchdog: Int32?

        init(url: String, watchdog: Int32?) {
            self.url = url
            self.watchdog = watchdog
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    private static let executable = "/usr/bin/redis-server"

    private static func start() async throws -> Running {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StartFailure(
                description: """
                    Redis tests need a Redis server: \(executable) is missing. Install the Debian package \
                    redis-server, or set PARLEY_TEST_REDIS_URL=redis://host:port.
                    """
            )
        }
        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("parley-test-redis-\(port).log").path
        let script = """
            "$1" --port "$2" --bind 127.0.0.1 --save "" --appendonly no --logfile "$3" </dev/null & pid=$!
            read -r _ || true
            kill $pid 2>/dev/null
            wait $pid
            """
        let watchdog = try spawnWatched(["/bin/sh", "-c", script, "parley-test-redis", executable, String(port), log])

        let url = "redis://127.0.0.1:\(port)"
        let client = try RedisClient(url: url, poolSize: 1)
        let deadline = ContinuousClock().now + .seconds(10)
        var lastError: Error?
        while ContinuousClock().now < deadline {
            do {
                try await client.ping()
                return Running(url: url, watchdog: watchdog)
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        close(watchdog)
        let logTail =
            (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(10)
            .joined(separator: "\n") ?? "(no log)"
        throw StartFailure(
            description: """
                Redis tests could not start \(executable) on port \(port) within 10 s \
                (last error: \(lastError.map { "\($0)" } ?? "none")). Log \(log):
                \(logTail)
                """
        )
    }

    /// Starts `arguments` with the read end of a new pipe as its stdin and returns the write end. The
    /// child gets a clean signal mask: the test runner's threads block SIGTERM and SIGCHLD, and a child
    /// inheriting that could be neither stopped nor wait for its own child.
    static func spawnWatched(_ arguments: [String]) throws -> Int32 {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else {
            throw StartFailure(description: "pipe(): \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so that no other child of this process keeps the write end open.
        for end in pipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        close(pipe[0])
        guard status == 0 else {
            close(pipe[1])
            throw StartFailure(description: "Redis tests could not start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        return pipe[1]
    }

    /// A port nothing listens on now: bind to port 0 and ask the kernel which one it picked.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw StartFailure(description: "socket(): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw StartFailure(description: "finding a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A `redis-server` that speaks TLS only, with a certificate for `localhost` (not for 127.0.0.1) from a CA of its
/// own, made with the `openssl` command for this test process.
enum TLSRedisTestServer {
    struct Running: Sendable {
        let port: Int
        /// The CA that signed the server's certificate, which the system does not trust.
        let caFile: String
        let watchdog: Int32
    }

    static func start() async throws -> Running { try await shared.value }

    private static let shared = Task<Running, Error> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-test-redis-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw RedisTestServer.StartFailure(description: "openssl \(arguments.joined(separator: " ")) failed")
            }
        }
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Parley test CA",
        ])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=DNS:localhost\n".write(toFile: folder + "/san.cnf", atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
            "-extfile", "san.cnf",
        ])
        let port = try RedisTestServer.freePort()
        let script = """
            "$1" --port 0 --tls-port "$2" --bind 127.0.0.1 --tls-cert-file "$3/server.crt" --tls-key-file "$3/server.key" \\
                --tls-ca-cert-file "$3/ca.crt" --tls-auth-clients no --save "" --appendonly no --logfile "$3/redis.log" </dev/null & pid=$!
            read -r _ || true
            kill $pid 2>/dev/null
            wait $pid
            """
        let watchdog = try RedisTestServer.spawnWatched([
            "/bin/sh", "-c", script, "parley-test-redis-tls", "/usr/bin/redis-server", String(port), folder,
        ])
        let running = Running(port: port, caFile: folder + "/ca.crt", watchdog: watchdog)
        let client = try RedisClient(url: "rediss://localhost:\(port)?ca=\(running.caFile)", poolSize: 1)
        let deadline = ContinuousClock().now + .seconds(10)
        while true {
            do {
                try await client.ping()
                return running
            } catch {
                guard ContinuousClock().now < deadline else {
                    throw RedisTestServer.StartFailure(description: "the TLS redis-server did not answer within 10 s: \(error)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
