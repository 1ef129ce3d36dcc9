import ParleyRedis
import Synchronization

public struct RateLimitDecision: Sendable, Hashable {
    public var allowed: Bool
    /// Hits left in the current window after this one.
    public var remaining: Int
    /// Until the window resets; zero when the hit was allowed. A 429 sends it as `Retry-After`.
    public var retryAfter: Duration

    public init(allowed: Bool, remaining: Int, retryAfter: Duration) {
        self.allowed = allowed
        self.remaining = remaining
        self.retryAfter = retryAfter
    }
}

/// Fixed-window rate limiting: the first hit on a key opens a window of `window`; at most `limit` hits
/// in it are allowed. (At a window boundary a client can get up to 2 × limit through in a short time; the
/// price of one counter per key instead of a log of hits.)
public protocol RateLimiter: Sendable {
    func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision
}

extension RateLimitDecision {
    /// The decision for the `count`-th hit of a window with `untilReset` left; shared by both limiters.
    init(count: Int, limit: Int, untilReset: Duration) {
        let allowed = count <= limit
        self.init(
            allowed: allowed, remaining: max(0, limit - count),
            // At least 1 ms, so that a denial never says "retry now".
            retryAfter: allowed ? .zero : max(untilReset, .milliseconds(1))
        )
    }
}

// MARK: - In-process

public final class InProcessRateLimiter: RateLimiter {
    private struct Window {
        var count: Int
        var resets: ContinuousClock.Instant
    }

    private struct State {
        var windows: [String: Window] = [:]
        var hitsSinceSweep = 0
    }

    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// `now` is injectable so that tests can move time by hand.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock().now }) {
        self.now = now
    }

    public func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision {
        let now = now()
        let window = max(window, .milliseconds(1))
        return state.withLock { state in
            var current = state.windows[key].flatMap { $0.resets > now ? $0 : nil }
                ?? Window(count: 0, resets: now + window)
            current.count += 1
            state.windows[key] = current
            // Expired windows are otherwise only replaced on their next hit; sweep to bound memory.
            state.hitsSinceSweep += 1
            if state.hitsSinceSweep >= 4096 {
                state.hitsSinceSweep = 0
                state.windows = state.windows.filter { $0.value.resets > now }
            }
            return RateLimitDecision(count: current.count, limit: limit, untilReset: current.resets - now)
        }
    }
}

// MARK: - Redis

/// The same fixed window in Redis under `ratelimit:<key>`: one Lua script increments, starts the
/// window's expiry on the first hit and reads what is left of it, atomically, so that many gateway
/// instances share one count.
public final class RedisRateLimiter: RateLimiter {
    private let client: RedisClient

    public init(client: RedisClient) { self.client = client }

    // KEYS[1]: the counter. ARGV[1]: the window in ms. Returns {count, ms until reset}.
    // A counter without expiry (PTTL -1: someone SET it by hand) gets one, so that it cannot block forever.
    private static let script = RedisScript("""
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if count == 1 or ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return {count, ttl}
        """)

    public func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision {
        let windowMilliseconds = max(1, window.wholeMillisecondsRoundedUp)
        let reply = try await client.run(Self.script, keys: ["ratelimit:" + key], args: [String(windowMilliseconds)])
        guard let values = reply.array, values.count == 2, let count = values[0].int, let ttl = values[1].int else {
            throw RedisError.protocolError("unexpected rate limit script reply \(reply)")
        }
        return RateLimitDecision(count: count, limit: limit, untilReset: .milliseconds(ttl))
    }
}
