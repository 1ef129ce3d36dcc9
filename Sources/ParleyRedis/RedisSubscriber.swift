import Foundation
import Synchronization

extension RedisClient {
    /// Subscribes to `channels` on a dedicated connection and thread, separate from the command pool.
    ///
    /// After a dropped connection the subscriber reconnects (with backoff) and subscribes again; messages
    /// published while it was disconnected are lost, as always with Redis pub/sub. The stream ends with an
    /// error only when the server refuses the subscription (for example bad credentials), and ends cleanly
    /// when its consumer stops iterating.
    public func subscribe(channels: [String]) -> AsyncThrowingStream<(channel: String, message: [UInt8]), Error> {
        subscribe(channels: channels, onSubscribed: nil) { (channel: $0, message: $1) }
    }

    /// `subscribe(channels:)` with a transform applied on the subscriber thread, and `onSubscribed`, called
    /// each time the server has confirmed every channel (once at first, again after each reconnect).
    public func subscribe<Element: Sendable>(
        channels: [String],
        onSubscribed: (@Sendable () -> Void)?,
        transform: @escaping @Sendable (_ channel: String, _ message: [UInt8]) -> Element
    ) -> AsyncThrowingStream<Element, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self)
        let channels = Array(Set(channels))
        guard !channels.isEmpty else {
            continuation.finish()
            return stream
        }
        let subscriber = Subscriber(
            configuration: configuration,
            channels: channels,
            continuation: continuation,
            onSubscribed: onSubscribed,
            transform: transform
        )
        continuation.onTermination = { _ in subscriber.stop() }
        let thread = Thread { subscriber.run() }
        thread.name = "parley.redis.subscriber"
        thread.start()
        return stream
    }
}

/// The state of one subscription. Everything mutable lives in `run()`, on the subscriber's own thread;
/// other threads only set `stopped`.
private final class Subscriber<Element: Sendable>: Sendable {
    private let configuration: RedisConfiguration
    private let channels: [String]
    private let continuation: AsyncThrowingStream<Element, Error>.Continuation
    private let onSubscribed: (@Sendable () -> Void)?
    private let transform: @Sendable (String, [UInt8]) -> Element
    private let stopped = Atomic<Bool>(false)

    /// How often the thread wakes up to notice cancellation.
    private static var pollMilliseconds: Int32 { 100 }
    /// An idle subscription sends PING this often, to find a silently dead connection.
    private static var healthCheckInterval: Duration { .seconds(15) }

    init(
        configuration: RedisConfiguration,
        channels: [String],
        continuation: AsyncThrowingStream<Element, Error>.Continuation,
        onSubscribed: (@Sendable () -> Void)?,
        transform: @escaping @Sendable (String, [UInt8]) -> Element
    ) {
        self.configuration = configuration
        self.channels = channels
        self.continuation = continuation
        self.onSubscribed = onSubscribed
        self.transform = transform
    }

    func stop() { stopped.store(true, ordering: .releasing) }

    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func run() {
        var backoff = Duration.milliseconds(50)
        while !isStopped {
            do {
                try session(resetBackoff: { backoff = .milliseconds(50) })
            } catch .server(let message) {
                // The server refused us (credentials, ACL): retrying would not help.
                continuation.finish(throwing: RedisError.server(message))
                return
            } catch {
                // Connection lost or never made: wait, then subscribe again.
                sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
        continuation.finish()
    }

    /// One connection's life: connect, subscribe, deliver until stopped or the connection fails.
    private func session(resetBackoff: () -> Void) throws(RedisError) {
        let connection = try RedisConnection(configuration)
        do {
            try connection.send([Array("SUBSCRIBE".utf8)] + channels.map { Array($0.utf8) })
        } catch {
            throw error.error
        }
        let clock = ContinuousClock()
        var unconfirmed = Set(channels)
        var subscribedAt: ContinuousClock.Instant?
        var lastTraffic = clock.now
        var pingSentAt: ContinuousClock.Instant?

        while !isStopped {
            guard let reply = try connection.pollReply(timeoutMilliseconds: Self.pollMilliseconds) else {
                let now = clock.now
                if let pingSentAt, now - pingSentAt > configuration.commandTimeout {
                    throw .connection("no reply to PING within \(configuration.commandTimeout)")
                }
                if subscribedAt == nil, now - lastTraffic > configuration.commandTimeout {
                    throw .connection("SUBSCRIBE not confirmed within \(configuration.commandTimeout)")
                }
                if pingSentAt == nil, subscribedAt != nil, now - lastTraffic > Self.healthCheckInterval {
                    do { try connection.send([Array("PING".utf8)]) } catch { throw error.error }
                    pingSentAt = now
                }
                continue
            }
            lastTraffic = clock.now
            switch reply {
            case .error(let message):
                throw .server(message)
            case .array(let parts):
                guard let kind = parts.first?.string else { continue }
                switch kind {
                case "message" where parts.count == 3:
                    guard let channel = parts[1].string, let payload = parts[2].bytes else { continue }
                    if case .terminated = continuation.yield(transform(channel, payload)) { return }
                case "subscribe":
                    if let channel = parts.dropFirst().first?.string { unconfirmed.remove(channel) }
                    if unconfirmed.isEmpty, subscribedAt == nil {
                        subscribedAt = lastTraffic
                        resetBackoff()
                        onSubscribed?()
                    }
                case "pong":
                    pingSentAt = nil
                default:
                    continue
                }
            default:
                continue
            }
        }
        // Returning frees the connection, which also ends the subscription on the server.
    }

    /// Sleeps in short steps so that a stop is noticed promptly.
    private func sleep(for duration: Duration) {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isStopped, clock.now < deadline {
            usleep(UInt32(Self.pollMilliseconds) * 1000)
        }
    }
}
