import Coordination
import Foundation
import ParleyRedis
import Synchronization
import Testing

/// The two implementations every Coordination test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inProcess, redis

    var testDescription: String { rawValue }
}

/// The shared state for one test, plus what the tests need to know about its bus.
struct Harness: Sendable {
    let coordination: SharedState
    let subscriberCount: @Sendable (String) async throws -> Int

    static func make(_ backend: Backend, presenceTTL: Duration = .seconds(300)) async throws -> Harness {
        switch backend {
        case .inProcess:
            let bus = InProcessEventBus()
            let coordination = SharedState(
                presence: InProcessPresenceTracker(ttl: presenceTTL),
                rateLimiter: InProcessRateLimiter(),
                bus: bus,
                sessions: InProcessSessionKeeper(),
                cache: InProcessSharedCache()
            )
            return Harness(coordination: coordination, subscriberCount: { bus.subscriberCount($0) })
        case .redis:
            let client = try await RedisTestServer.client(poolSize: 4)
            let bus = RedisEventBus(client: client)
            let coordination = SharedState(
                presence: RedisPresenceTracker(client: client, ttl: presenceTTL),
                rateLimiter: RedisRateLimiter(client: client),
                bus: bus,
                sessions: RedisSessionKeeper(client: client),
                cache: RedisSharedCache(client: client),
                redis: client
            )
            return Harness(coordination: coordination, subscriberCount: { try await bus.subscriberCount($0) })
        }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` until it holds; false when `timeout` passes first.
func eventually(
    timeout: Duration = .seconds(5),
    every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock().now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock().now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}

/// Reads from `stream` until `isLast` accepts an element (included in the result); throws after `timeout`.
func collect<Element: Sendable>(
    _ stream: AsyncThrowingStream<Element, Error>,
    timeout: Duration = .seconds(10),
    until isLast: @escaping @Sendable (Element) -> Bool
) async throws -> [Element] {
    try await withThrowingTaskGroup(of: [Element]?.self) { group in
        group.addTask {
            var received: [Element] = []
            for try await element in stream {
                received.append(element)
                if isLast(element) { return received }
            }
            return received
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let received = first else {
            throw TimedOut(description: "no final element within \(timeout)")
        }
        return received
    }
}

func unique(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.lowercased())"
}

/// A clock the test moves by hand, for the in-process implementations.
final class ManualClock: Sendable {
    private let start = ContinuousClock().now
    private let offset = Mutex(Duration.zero)

    var now: ContinuousClock.Instant { start + offset.withLock { $0 } }

    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}
