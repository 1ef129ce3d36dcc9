import Foundation

/// Where and how to connect: parsed from `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS (with
/// `?ca=/path/ca.pem` to trust a CA the system does not).
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// ACL user name; nil authenticates as the default user (`AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    public var connectTimeout: Duration
    /// Applies to each read and write on a connection; a command that exceeds it drops the connection.
    public var commandTimeout: Duration
    /// Sent as `CLIENT SETNAME` on connect, so that connections can be told apart in `CLIENT LIST`.
    public var clientName: String?
    /// TLS (`rediss://`), as ElastiCache with encryption in transit requires.
    public var tls: Bool
    /// PEM certificates to trust instead of the system's; for TLS only.
    public var caFile: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        clientName: String? = nil,
        tls: Bool = false,
        caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.clientName = clientName
        self.tls = tls
        self.caFile = caFile
    }

    public init(url: String) throws(RedisError) {
        // URLComponents keeps an empty user for `redis://:secret@host`, which is the form we need to accept.
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .connection("invalid Redis URL")
        }
        guard scheme == "redis" || scheme == "rediss" else {
            throw .connection("unsupported Redis URL scheme '\(scheme)' (redis:// or rediss://)")
        }
        guard let host = components.host, !host.isEmpty else { throw .connection("Redis URL has no host") }
        self.init(host: host, tls: scheme == "rediss")
        for item in components.queryItems ?? [] {
            guard item.name == "ca", tls, let path = item.value, !path.isEmpty else {
                throw .connection("unknown Redis URL parameter '\(item.name)' (rediss:// takes ca=/path/to/ca.pem)")
            }
            caFile = path
        }
        if let port = components.port {
            guard (1...65535).contains(port) else { throw .connection("invalid Redis port \(port)") }
            self.port = port
        }
        if let user = components.user, !user.isEmpty { username = user }
        if let password = components.password, !password.isEmpty { self.password = password }
        let path = components.path.drop(while: { $0 == "/" })
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else {
                throw .connection("invalid Redis database '\(path)'")
            }
            self.database = database
        }
    }
}

extension Duration {
    var redisTimeval: timeval {
        let (seconds, attoseconds) = components
        let clampedSeconds = max(0, seconds)
        let micros = max(0, attoseconds / 1_000_000_000_000)
        return timeval(tv_sec: Int(clampedSeconds), tv_usec: Int(micros))
    }

    /// Whole milliseconds, rounded up so that a non-zero duration never becomes zero.
    var redisMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return Int(millis) + (remainder > 0 ? 1 : 0)
    }
}
