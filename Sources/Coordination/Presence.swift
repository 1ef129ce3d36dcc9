public import Foundation
public import ParleyCore
public import ParleyRedis
import Synchronization

public struct Presence: Sendable, Hashable {
    public var online: Bool
    public var lastSeen: Date?

    public init(online: Bool, lastSeen: Date?) {
        self.online = online
        self.lastSeen = lastSeen
    }
}

/// Who is online. A user may have several sockets: they stay online until the last one disconnects.
/// A record lives for a TTL (5 minutes by default) that every call refreshes; once it lapses without a
/// heartbeat the user counts as offline and `presence(of:)` returns nil, as for a user never seen: the
/// caller then falls back to the lastSeen it stored.
///
/// A heartbeat refreshes an online record. When the record has lapsed (a socket outlived the TTL without
/// heartbeats), it brings the user back online with one socket. A heartbeat for a user whose sockets have
/// all disconnected is ignored: it is a late one from a socket already gone.
public protocol PresenceTracker: Sendable {
    /// Counts a new socket; returns the user's sockets now, on every instance (1: the user just came online).
    @discardableResult func connected(_ user: ObjectId, at: Date) async throws -> Int
    /// Counts a socket gone; returns the user's sockets now (0: the user just went offline).
    @discardableResult func disconnected(_ user: ObjectId, at: Date) async throws -> Int
    func heartbeat(_ user: ObjectId, at: Date) async throws
    func presence(of user: ObjectId) async throws -> Presence?
}

public enum PresenceDefaults {
    /// The seed's 5 minutes.
    public static let ttl: Duration = .seconds(300)
}

/// What a connect, heartbeat or disconnect does to the socket count; shared by both implementations so
/// that they agree.
enum PresenceEvent: String {
    case connect, disconnect, heartbeat

    /// The new count, or nil when the event changes nothing (a heartbeat for a user who is offline).
    func apply(to connections: Int?) -> Int? {
        switch self {
        case .connect: (connections ?? 0) + 1
        // Clamped: a disconnect we never saw the connect of (the record lapsed) must not go negative.
        case .disconnect: max(0, (connections ?? 0) - 1)
        case .heartbeat:
            switch connections {
            case nil: 1
            case let count? where count > 0: count
            default: nil
            }
        }
    }
}

// MARK: - In-process

/// Presence for a single process, in a `Mutex`-protected dictionary.
public final class InProcessPresenceTracker: PresenceTracker {
    private struct Entry {
        var connections: Int
        var lastSeen: Date
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectId: Entry] = [:]
        var writesSinceSweep = 0
    }

    private let ttl: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// `now` is injectable so that tests can move time by hand.
    public init(
        ttl: Duration = PresenceDefaults.ttl,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock().now }
    ) {
        self.ttl = ttl
        self.now = now
    }

    @discardableResult public func connected(_ user: ObjectId, at: Date) async throws -> Int { record(.connect, user, at) ?? 1 }
    @discardableResult public func disconnected(_ user: ObjectId, at: Date) async throws -> Int { record(.disconnect, user, at) ?? 0 }
    public func heartbeat(_ user: ObjectId, at: Date) async throws { record(.heartbeat, user, at) }

    public func presence(of user: ObjectId) async throws -> Presence? {
        let now = now()
        return state.withLock { state in
            guard let entry = state.entries[user], entry.expires > now else { return nil }
            return Presence(online: entry.connections > 0, lastSeen: entry.lastSeen)
        }
    }

    /// The new count; nil when the event changed nothing.
    @discardableResult
    private func record(_ event: PresenceEvent, _ user: ObjectId, _ at: Date) -> Int? {
        let now = now()
        let lastSeen = at.storePrecision
        return state.withLock { state in
            let current = state.entries[user].flatMap { $0.expires > now ? $0.connections : nil }
            guard let connections = event.apply(to: current) else { return nil }
            state.entries[user] = Entry(connections: connections, lastSeen: lastSeen, expires: now + ttl)
            // Expired entries are otherwise only replaced on access; sweep now and then to bound memory.
            state.writesSinceSweep += 1
            if state.writesSinceSweep >= 1024 {
                state.writesSinceSweep = 0
                state.entries = state.entries.filter { $0.value.expires > now }
            }
            return connections
        }
    }
}

// MARK: - Redis

/// Presence in Redis: `presence:<userId>` holds JSON `{online, lastSeen}` (lastSeen as ISO 8601 text) and
/// `presence:<userId>:conns` the socket count, both with the TTL. One Lua script updates both atomically,
/// so concurrent connects and disconnects from several gateway instances never lose a count.
public final class RedisPresenceTracker: PresenceTracker {
    private let client: RedisClient
    private let ttl: Duration

    public init(client: RedisClient, ttl: Duration = PresenceDefaults.ttl) {
        self.client = client
        self.ttl = ttl
    }

    // KEYS: presence key, count key. ARGV: event, lastSeen as a JSON string literal, TTL in ms.
    // Mirrors PresenceEvent.apply.
    private static let script = RedisScript(
        """
        local raw = redis.call('GET', KEYS[2])
        local record = redis.call('EXISTS', KEYS[1]) == 1
        local count = nil
        if raw and record then count = tonumber(raw) end
        local event = ARGV[1]
        if event == 'connect' then
          count = (count or 0) + 1
        elseif event == 'disconnect' then
          count = math.max(0, (count or 0) - 1)
        elseif count == nil then
          count = 1
        elseif count <= 0 then
          return -1
        end
        local online = 'false'
        if count > 0 then online = 'true' end
        redis.call('SET', KEYS[2], count, 'PX', ARGV[3])
        redis.call('SET', KEYS[1], '{"online":' .. online .. ',"lastSeen":' .. ARGV[2] .. '}', 'PX', ARGV[3])
        return count
        """
    )

    @discardableResult public func connected(_ user: ObjectId, at: Date) async throws -> Int { try await record(.connect, user, at) ?? 1 }
    @discardableResult public func disconnected(_ user: ObjectId, at: Date) async throws -> Int {
        try await record(.disconnect, user, at) ?? 0
    }
    public func heartbeat(_ user: ObjectId, at: Date) async throws { try await record(.heartbeat, user, at) }

    public func presence(of user: ObjectId) async throws -> Presence? {
        guard let bytes = try await client.get(Self.key(user)) else { return nil }
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(bytes))
        } catch {
            throw RedisError.protocolError("presence record for \(user) is not valid JSON: \(error)")
        }
        return Presence(online: record.online, lastSeen: record.lastSeen)
    }

    /// The new count; nil when the event changed nothing (the script answers -1).
    @discardableResult
    private func record(_ event: PresenceEvent, _ user: ObjectId, _ at: Date) async throws -> Int? {
        let lastSeen = "\"" + Timestamp.format(at) + "\""
        let key = Self.key(user)
        let reply = try await client.run(
            Self.script,
            keys: [key, key + ":conns"],
            args: [event.rawValue, lastSeen, String(max(1, ttl.wholeMillisecondsRoundedUp))]
        )
        guard case .integer(let count) = reply, count >= 0 else { return nil }
        return count
    }

    private static func key(_ user: ObjectId) -> String { "presence:\(user)" }

    /// The stored JSON. lastSeen is ISO 8601 text; milliseconds since the epoch are accepted as well, as
    /// another writer (the seed's Node services) may have stored them.
    private struct Record: Decodable {
        var online: Bool
        var lastSeen: Date?

        enum CodingKeys: String, CodingKey { case online, lastSeen }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            online = try container.decodeIfPresent(Bool.self, forKey: .online) ?? false
            if let text = try? container.decodeIfPresent(String.self, forKey: .lastSeen) {
                guard let date = Timestamp.parse(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .lastSeen,
                        in: container,
                        debugDescription: "not an ISO 8601 date"
                    )
                }
                lastSeen = date
            } else {
                lastSeen = try container.decodeIfPresent(Double.self, forKey: .lastSeen).map { Date(timeIntervalSince1970: $0 / 1000) }
            }
        }
    }
}
