public import ParleyRedis
import Synchronization

/// Short-lived values handed from one instance to another, taken once: the session of a socket that dropped,
/// kept until its client comes back (to any instance) or the time runs out.
public protocol SessionKeeper: Sendable {
    func keep(_ key: String, _ value: [UInt8], for duration: Duration) async throws
    /// The value under `key`, removed: a second take gets nil, as does one after its time.
    func take(_ key: String) async throws -> [UInt8]?
}

public final class InProcessSessionKeeper: SessionKeeper {
    private let values = Mutex<[String: (value: [UInt8], until: ContinuousClock.Instant)]>([:])

    public init() {}

    public func keep(_ key: String, _ value: [UInt8], for duration: Duration) async throws {
        let now = ContinuousClock.now
        values.withLock { values in
            values = values.filter { $0.value.until > now }
            values[key] = (value, now + duration)
        }
    }

    public func take(_ key: String) async throws -> [UInt8]? {
        let now = ContinuousClock.now
        return values.withLock { values in
            guard let kept = values.removeValue(forKey: key), kept.until > now else { return nil }
            return kept.value
        }
    }
}

/// Keys `parley:kept:<key>` with a TTL, taken with GETDEL (one winner when two instances race).
public final class RedisSessionKeeper: SessionKeeper {
    private let client: RedisClient

    public init(client: RedisClient) { self.client = client }

    public func keep(_ key: String, _ value: [UInt8], for duration: Duration) async throws {
        _ = try await client.set(Self.key(key), value, px: Int(clamping: duration.wholeMillisecondsRoundedUp))
    }

    public func take(_ key: String) async throws -> [UInt8]? {
        let reply = try await client.command(bytes: [Array("GETDEL".utf8), Array(Self.key(key).utf8)])
        return reply.isNil ? nil : reply.bytes
    }

    private static func key(_ key: String) -> String { "parley:kept:" + key }
}
