public import ParleyRedis
import Synchronization

/// Values every instance sees for a while: cached results (link previews) and claims (one push per chat per
/// user per few seconds, whichever instance sends it).
public protocol SharedCache: Sendable {
    func value(_ key: String) async throws -> [UInt8]?
    func store(_ key: String, _ value: [UInt8], for duration: Duration) async throws
    /// True for the first caller while the claim lasts, false for every other (on any instance).
    func claim(_ key: String, for duration: Duration) async throws -> Bool
}

/// In process, bounded: past `capacity` entries the expired ones go, then the oldest half.
public final class InProcessSharedCache: SharedCache {
    private let entries = Mutex<[String: (value: [UInt8], until: ContinuousClock.Instant)]>([:])
    private let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    public func value(_ key: String) async throws -> [UInt8]? {
        let now = ContinuousClock.now
        return entries.withLock { entries in entries[key].flatMap { $0.until > now ? $0.value : nil } }
    }

    public func store(_ key: String, _ value: [UInt8], for duration: Duration) async throws {
        put(key, value, for: duration, onlyIfAbsent: false)
    }

    public func claim(_ key: String, for duration: Duration) async throws -> Bool {
        put(key, [], for: duration, onlyIfAbsent: true)
    }

    @discardableResult
    private func put(_ key: String, _ value: [UInt8], for duration: Duration, onlyIfAbsent: Bool) -> Bool {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            if onlyIfAbsent, let existing = entries[key], existing.until > now { return false }
            if entries.count >= capacity {
                entries = entries.filter { $0.value.until > now }
                if entries.count >= capacity {
                    let oldest = entries.sorted { $0.value.until < $1.value.until }.prefix(capacity / 2).map(\.key)
                    for key in oldest { entries.removeValue(forKey: key) }
                }
            }
            entries[key] = (value, now + duration)
            return true
        }
    }
}

/// Keys `parley:cache:<key>` with a TTL; a claim is `SET NX PX`.
public final class RedisSharedCache: SharedCache {
    private let client: RedisClient

    public init(client: RedisClient) { self.client = client }

    public func value(_ key: String) async throws -> [UInt8]? { try await client.get(Self.key(key)) }

    public func store(_ key: String, _ value: [UInt8], for duration: Duration) async throws {
        _ = try await client.set(Self.key(key), value, px: Int(clamping: duration.wholeMillisecondsRoundedUp))
    }

    public func claim(_ key: String, for duration: Duration) async throws -> Bool {
        try await client.set(Self.key(key), [UInt8](), px: Int(clamping: duration.wholeMillisecondsRoundedUp), nx: true)
    }

    private static func key(_ key: String) -> String { "parley:cache:" + key }
}
