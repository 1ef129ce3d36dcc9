import ParleyRedis
import Synchronization

public struct BusMessage: Sendable, Hashable {
    public var channel: String
    public var payload: [UInt8]

    public init(channel: String, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }
}

/// Publish/subscribe between the parts of one process, or between gateway instances through Redis.
/// Each message published after a subscription is active reaches that subscriber once. Delivery is at
/// most once: nothing is stored for a subscriber that is not listening (Redis pub/sub semantics).
/// A subscription ends when its consumer stops iterating.
///
/// With Redis each `subscribe` holds a connection and a thread: subscribe once per process and fan out
/// in memory, rather than once per socket.
public protocol EventBus: Sendable {
    func publish(_ channel: String, _ payload: [UInt8]) async throws
    func subscribe(_ channels: [String]) -> AsyncThrowingStream<BusMessage, Error>
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
    }

    private let state = Mutex(State())

    public init() {}

    public func publish(_ channel: String, _ payload: [UInt8]) async throws {
        let receivers = state.withLock { state in
            state.subscribers.values.filter { $0.channels.contains(channel) }.map(\.continuation)
        }
        // Yielded outside the lock: a stream's termination handler takes the lock too.
        let message = BusMessage(channel: channel, payload: payload)
        for receiver in receivers { receiver.yield(message) }
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

    public init(client: RedisClient) { self.client = client }

    public func publish(_ channel: String, _ payload: [UInt8]) async throws {
        try await client.publish(channel, payload)
    }

    /// Becomes active shortly after this returns, once the server confirms the subscription; use
    /// `subscribe(_:onSubscribed:)` to know when.
    public func subscribe(_ channels: [String]) -> AsyncThrowingStream<BusMessage, Error> {
        subscribe(channels, onSubscribed: nil)
    }

    /// `onSubscribed` runs each time the subscription is (re)established: at first, and after a reconnect.
    public func subscribe(_ channels: [String], onSubscribed: (@Sendable () -> Void)?) -> AsyncThrowingStream<BusMessage, Error> {
        client.subscribe(channels: channels, onSubscribed: onSubscribed) { BusMessage(channel: $0, payload: $1) }
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
