public import ParleyRedis
import Synchronization

public struct BusMessage: Sendable, Hashable {
    public var channel: String
    public var payload: [UInt8]
    /// Where the message is in its channel's log: later messages have later offsets, the same on every instance.
    public var offset: String

    public init(channel: String, payload: [UInt8], offset: String) {
        self.channel = channel
        self.payload = payload
        self.offset = offset
    }
}

/// Publish/subscribe between the parts of one process, or between gateway instances through Redis.
/// Each message published after a subscription is active reaches that subscriber once, in the order of the
/// channel's log. Live delivery is at most once (Redis pub/sub semantics), but every message is also kept in
/// its channel's log for `BusDefaults.retention`: a consumer that missed some reads them back by offset.
/// A subscription ends when its consumer stops iterating.
///
/// With Redis each `subscribe` holds a connection and a thread: subscribe once per process and fan out
/// in memory, rather than once per socket.
public protocol EventBus: Sendable {
    /// Publishes `payload` and returns its offset.
    @discardableResult
    func publish(_ channel: String, _ payload: [UInt8]) async throws -> String
    func subscribe(_ channels: [String]) -> AsyncThrowingStream<BusMessage, Error>
    /// The messages of `channel` published after the one at `offset`, oldest first, at most `limit` of them; nil
    /// when the log no longer holds `offset` (too old, or never published) or more than `limit` came after it.
    func messages(_ channel: String, after offset: String, limit: Int) async throws -> [BusMessage]?
}

public enum BusDefaults {
    /// How long a channel's log keeps a message.
    public static var retention: Duration { .seconds(120) }
}

// MARK: - In-process

public final class InProcessEventBus: EventBus {
    private struct Subscriber {
        let channels: Set<String>
        let continuation: AsyncThrowingStream<BusMessage, Error>.Continuation
    }

    private struct State {
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
        var lastOffset = 0
        /// Each channel's log, oldest first, with when each message was published.
        var logs: [String: [(message: BusMessage, at: ContinuousClock.Instant)]] = [:]
    }

    private let state = Mutex(State())
    private let retention: Duration
    /// Most messages a channel's log keeps, however recent.
    private let capacity: Int

    public init(retention: Duration = BusDefaults.retention, capacity: Int = 100_000) {
        self.retention = retention
        self.capacity = max(1, capacity)
    }

    @discardableResult
    public func publish(_ channel: String, _ payload: [UInt8]) async throws -> String {
        let now = ContinuousClock.now
        let (message, receivers) = state.withLock { state in
            state.lastOffset += 1
            let message = BusMessage(channel: channel, payload: payload, offset: String(state.lastOffset))
            var log = state.logs.removeValue(forKey: channel) ?? []
            let expired = log.firstIndex { now - $0.at < retention } ?? log.count
            log.removeFirst(max(expired, log.count + 1 - capacity))
            log.append((message, now))
            state.logs[channel] = log
            return (message, state.subscribers.values.filter { $0.channels.contains(channel) }.map(\.continuation))
        }
        // Yielded outside the lock: a stream's termination handler takes the lock too.
        for receiver in receivers { receiver.yield(message) }
        return message.offset
    }

    public func messages(_ channel: String, after offset: String, limit: Int) async throws -> [BusMessage]? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let log = state.logs[channel],
                let index = log.firstIndex(where: { $0.message.offset == offset && now - $0.at < retention })
            else { return nil }
            let after = log[(index + 1)...]
            return after.count <= limit ? after.map(\.message) : nil
        }
    }

    /// Active as soon as this returns.
    public func subscribe(_ channels: [String]) -> AsyncThrowingStream<BusMessage, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: BusMessage.self)
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(channels: Set(channels), continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Active subscriptions that include `channel`.
    public func subscriberCount(_ channel: String) -> Int {
        state.withLock { $0.subscribers.values.count { $0.channels.contains(channel) } }
    }
}

// MARK: - Redis

public final class RedisEventBus: EventBus {
    private let client: RedisClient
    private let retention: Duration

    public init(client: RedisClient, retention: Duration = BusDefaults.retention) {
        self.client = client
        self.retention = retention
    }

    /// The log of a channel is the stream `<channel>:log`, trimmed to the retention by id (ids are times).
    static func logKey(_ channel: String) -> String { channel + ":log" }

    /// Appends to the log and publishes `<offset> <payload>` in one step, so that the order of the log is the
    /// order subscribers hear.
    private static let publishScript = RedisScript(
        """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local id = redis.call('XADD', KEYS[1], 'MINID', '~', tostring(ms - tonumber(ARGV[2])), '*', 'p', ARGV[1])
        redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
        return id
        """
    )

    @discardableResult
    public func publish(_ channel: String, _ payload: [UInt8]) async throws -> String {
        let retention = Array(String(retention.wholeMillisecondsRoundedUp).utf8)
        let reply = try await client.run(Self.publishScript, keys: [Self.logKey(channel), channel], bytes: [payload, retention])
        guard let offset = reply.string else { throw RedisError.protocolError("unexpected XADD reply \(reply)") }
        return offset
    }

    public func messages(_ channel: String, after offset: String, limit: Int) async throws -> [BusMessage]? {
        // From the offset itself: its presence proves that the log reaches back that far.
        let reply = try await client.command(["XRANGE", Self.logKey(channel), offset, "+", "COUNT", String(limit + 2)])
        guard let entries = reply.array else { throw RedisError.protocolError("unexpected XRANGE reply \(reply)") }
        var messages: [BusMessage] = []
        for entry in entries {
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array, fields.count == 2,
                let payload = fields[1].bytes
            else { throw RedisError.protocolError("unexpected XRANGE entry \(entry)") }
            messages.append(BusMessage(channel: channel, payload: payload, offset: id))
        }
        guard messages.first?.offset == offset, messages.count <= limit + 1 else { return nil }
        return Array(messages.dropFirst())
    }

    /// Becomes active shortly after this returns, once the server confirms the subscription; use
    /// `subscribe(_:onSubscribed:)` to know when.
    public func subscribe(_ channels: [String]) -> AsyncThrowingStream<BusMessage, Error> {
        subscribe(channels, onSubscribed: nil)
    }

    /// `onSubscribed` runs each time the subscription is (re)established: at first, and after a reconnect.
    public func subscribe(_ channels: [String], onSubscribed: (@Sendable () -> Void)?) -> AsyncThrowingStream<BusMessage, Error> {
        client.subscribe(channels: channels, onSubscribed: onSubscribed) { channel, message in
            // `<offset> <payload>`, as the publish script sends it.
            let space = message.firstIndex(of: UInt8(ascii: " ")) ?? message.endIndex
            let payload = space < message.endIndex ? Array(message[(space + 1)...]) : []
            return BusMessage(channel: channel, payload: payload, offset: String(decoding: message[..<space], as: UTF8.self))
        }
    }

    /// Subscribers of `channel` on the Redis server, from every instance (`PUBSUB NUMSUB`).
    public func subscriberCount(_ channel: String) async throws -> Int {
        let reply = try await client.command(["PUBSUB", "NUMSUB", channel])
        guard let values = reply.array, values.count == 2, let count = values[1].int else {
            throw RedisError.protocolError("unexpected PUBSUB NUMSUB reply \(reply)")
        }
        return count
    }
}
