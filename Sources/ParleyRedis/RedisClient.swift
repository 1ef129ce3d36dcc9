import Dispatch
import Metrics
import Synchronization

/// A Redis client over a small pool of blocking hiredis connections.
///
/// Each connection lives on its own serial `DispatchQueue`, so the blocking hiredis calls never run on a
/// Swift concurrency or NIO thread, and a connection is only ever used by one thread at a time. A command
/// goes to the least busy connection. Connections are opened lazily, and a broken one is dropped and
/// reopened on next use.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let slots: [ConnectionSlot]
    /// Commands queued or running per slot, to pick the least busy one.
    private let load: Mutex<[Int]>

    /// `url` is `redis://[[user]:password@]host[:port][/db]`. No connection is made until the first command.
    public convenience init(url: String, poolSize: Int = 4, clientName: String? = nil) throws(RedisError) {
        var configuration = try RedisConfiguration(url: url)
        configuration.clientName = clientName
        self.init(configuration: configuration, poolSize: poolSize)
    }

    public init(configuration: RedisConfiguration, poolSize: Int = 4) {
        self.configuration = configuration
        let size = max(1, poolSize)
        slots = (0..<size).map { ConnectionSlot(configuration: configuration, index: $0) }
        load = Mutex(Array(repeating: 0, count: size))
    }

    // MARK: Commands

    /// Sends a command and returns its reply; an error reply is thrown as `RedisError.server`.
    public func command(_ args: [String]) async throws -> RedisValue {
        try await command(bytes: args.map { Array($0.utf8) })
    }

    /// The binary-safe form of `command(_:)`.
    public func command(bytes args: [[UInt8]]) async throws -> RedisValue {
        try Task.checkCancellation()
        let index = load.withLock { counts in
            let index = counts.indices.min(by: { counts[$0] < counts[$1] }) ?? 0
            counts[index] += 1
            return index
        }
        defer { load.withLock { $0[index] -= 1 } }
        let slot = slots[index]
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                let result = Result { () throws(RedisError) in try slot.execute(args) }
                if case .failure(let error) = result { Self.count(error) }
                continuation.resume(with: result)
            }
        }
    }

    /// `parley_redis_errors{kind}`: connection failures are what an operator alerts on; error replies are bugs.
    private static func count(_ error: RedisError) {
        let kind =
            switch error {
            case .connection: "connection"
            case .server: "server"
            case .protocolError: "protocol"
            }
        Counter(label: "parley_redis_errors", dimensions: [("kind", kind)]).increment()
    }

    public func ping() async throws {
        let reply = try await command(["PING"])
        guard reply.string == "PONG" else { throw RedisError.protocolError("unexpected PING reply \(reply)") }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let reply = try await command(["GET", key])
        switch reply {
        case .bulkString(let bytes): return bytes
        default: throw RedisError.protocolError("unexpected GET reply \(reply)")
        }
    }

    public func getString(_ key: String) async throws -> String? {
        try await get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// SET with optional expiry (`ex` seconds or `px` milliseconds) and NX. Returns false when NX kept an
    /// existing value.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], ex: Int? = nil, px: Int? = nil, nx: Bool = false) async throws -> Bool {
        var args: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        if let ex { args += [Array("EX".utf8), Array(String(ex).utf8)] }
        if let px { args += [Array("PX".utf8), Array(String(px).utf8)] }
        if nx { args.append(Array("NX".utf8)) }
        let reply = try await command(bytes: args)
        switch reply {
        case .simpleString: return true
        case .bulkString(nil): return false
        default: throw RedisError.protocolError("unexpected SET reply \(reply)")
        }
    }

    @discardableResult
    public func set(_ key: String, _ value: String, ex: Int? = nil, px: Int? = nil, nx: Bool = false) async throws -> Bool {
        try await set(key, Array(value.utf8), ex: ex, px: px, nx: nx)
    }

    public func incr(_ key: String) async throws -> Int { try await integer(["INCR", key]) }

    public func decr(_ key: String) async throws -> Int { try await integer(["DECR", key]) }

    /// Returns false when the key does not exist.
    @discardableResult
    public func pexpire(_ key: String, milliseconds: Int) async throws -> Bool {
        try await integer(["PEXPIRE", key, String(milliseconds)]) == 1
    }

    /// Milliseconds to live; -1 when the key has no expiry, -2 when it does not exist.
    public func pttl(_ key: String) async throws -> Int { try await integer(["PTTL", key]) }

    /// Returns how many keys were removed.
    @discardableResult
    public func del(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await integer(["DEL"] + keys)
    }

    @discardableResult
    public func del(_ keys: String...) async throws -> Int { try await del(keys) }

    /// Returns how many subscribers received the message (on this server).
    @discardableResult
    public func publish(_ channel: String, _ message: [UInt8]) async throws -> Int {
        let reply = try await command(bytes: [Array("PUBLISH".utf8), Array(channel.utf8), message])
        return try Self.int(reply, "PUBLISH")
    }

    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws -> Int {
        try await publish(channel, Array(message.utf8))
    }

    public func eval(_ script: String, keys: [String] = [], args: [String] = []) async throws -> RedisValue {
        try await command(["EVAL", script, String(keys.count)] + keys + args)
    }

    public func evalsha(_ sha1: String, keys: [String] = [], args: [String] = []) async throws -> RedisValue {
        try await command(["EVALSHA", sha1, String(keys.count)] + keys + args)
    }

    /// Loads a script into the server's script cache and returns its SHA1.
    public func scriptLoad(_ script: String) async throws -> String {
        let reply = try await command(["SCRIPT", "LOAD", script])
        guard let sha = reply.string else { throw RedisError.protocolError("unexpected SCRIPT LOAD reply \(reply)") }
        return sha
    }

    /// Runs a script by EVALSHA, loading it first, and again with EVAL when the server lost its script
    /// cache (a restart or `SCRIPT FLUSH`).
    public func run(_ script: RedisScript, keys: [String] = [], args: [String] = []) async throws -> RedisValue {
        try await run(script, keys: keys, bytes: args.map { Array($0.utf8) })
    }

    /// `run(_:keys:args:)` with arguments that need not be text.
    public func run(_ script: RedisScript, keys: [String] = [], bytes args: [[UInt8]]) async throws -> RedisValue {
        let sha: String
        if let cached = script.sha1 {
            sha = cached
        } else {
            sha = try await scriptLoad(script.source)
            script.sha1 = sha
        }
        let rest = [Array(String(keys.count).utf8)] + keys.map { Array($0.utf8) } + args
        do {
            return try await command(bytes: [Array("EVALSHA".utf8), Array(sha.utf8)] + rest)
        } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
            return try await command(bytes: [Array("EVAL".utf8), Array(script.source.utf8)] + rest)
        }
    }

    private func integer(_ args: [String]) async throws -> Int {
        try Self.int(try await command(args), args.first ?? "")
    }

    private static func int(_ reply: RedisValue, _ name: String) throws -> Int {
        guard let value = reply.int else { throw RedisError.protocolError("unexpected \(name) reply \(reply)") }
        return value
    }
}

/// A Lua script run with EVALSHA; the SHA1 comes from the server (`SCRIPT LOAD`) and is cached here.
public final class RedisScript: Sendable {
    public let source: String
    private let cachedSHA1 = Mutex<String?>(nil)

    public init(_ source: String) { self.source = source }

    var sha1: String? {
        get { cachedSHA1.withLock { $0 } }
        set { cachedSHA1.withLock { $0 = newValue } }
    }
}

/// One pooled connection and the serial queue it is confined to.
private final class ConnectionSlot: @unchecked Sendable {
    // @unchecked: `connection` is only read or written by work items on `queue`, which is serial.
    let queue: DispatchQueue
    private let configuration: RedisConfiguration
    private var connection: RedisConnection?

    init(configuration: RedisConfiguration, index: Int) {
        self.configuration = configuration
        queue = DispatchQueue(label: "parley.redis.connection.\(index)")
    }

    /// Runs on `queue`. A dead idle connection is replaced before sending; a command whose write failed is
    /// retried once on a new connection; a failure after sending drops the connection but is not retried,
    /// since the command may have run.
    func execute(_ args: [[UInt8]]) throws(RedisError) -> RedisValue {
        dispatchPrecondition(condition: .onQueue(queue))
        var retried = false
        while true {
            let current: RedisConnection
            if let existing = connection, !existing.isBroken {
                current = existing
            } else {
                connection = nil
                current = try RedisConnection(configuration)
                connection = current
            }
            do {
                return try current.execute(args)
            } catch {
                if case .sent(.server(let message)) = error { throw .server(message) }
                connection = nil
                if case .notSent(.connection) = error, !retried {
                    retried = true
                    continue
                }
                throw error.error
            }
        }
    }
}
