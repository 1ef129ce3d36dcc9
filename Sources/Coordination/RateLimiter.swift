public import ParleyRedis
import Synchronization

public struct RateLimitDecision: Sendable, Hashable {
    public var allowed: Bool
    /// Hits that would still be allowed right now after this one.
    public var remaining: Int
    /// Until the next hit would be allowed; zero when this one was. A 429 sends it as `Retry-After`.
    public var retryAfter: Duration

    public init(allowed: Bool, remaining: Int, retryAfter: Duration) {
        self.allowed = allowed
        self.remaining = remaining
        self.retryAfter = retryAfter
    }
}

/// `limit` hits per `window`, as a sliding window: the generic cell rate algorithm (GCRA). Each key keeps one
/// number, its theoretical arrival time (TAT); every hit moves it `window / limit` later, and a hit is allowed
/// while the TAT stays within `window` of now. A burst of `limit` is allowed at once, then one hit per
/// `window / limit`: never the 2 × limit a fixed window lets through across its boundary.
public protocol RateLimiter: Sendable {
    func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision
}

/// The GCRA step, in microseconds, shared by both limiters (the Redis script mirrors it).
struct CellRate {
    let interval: Int64
    let window: Int64

    init(limit: Int, window: Duration) {
        self.window = max(1, window.wholeMicrosecondsRoundedUp)
        // A zero limit allows nothing: an interval longer than the window.
        self.interval = limit > 0 ? max(1, self.window / Int64(limit)) : self.window + 1
    }

    /// The decision for a hit at `now` given the stored TAT, and the TAT to store when allowed.
    func decide(now: Int64, tat stored: Int64?) -> (RateLimitDecision, newTAT: Int64?) {
        let tat = max(stored ?? now, now)
        let next = tat + interval
        let allowedAt = next - window
        guard allowedAt <= now else {
            return (RateLimitDecision(allowed: false, remaining: 0, retryAfter: .microseconds(allowedAt - now)), nil)
        }
        return (RateLimitDecision(allowed: true, remaining: Int((window - (next - now)) / interval), retryAfter: .zero), next)
    }
}

// MARK: - In-process

public final class InProcessRateLimiter: RateLimiter {
    private struct State {
        var tats: [String: Int64] = [:]
        var hitsSinceSweep = 0
    }

    private let now: @Sendable () -> ContinuousClock.Instant
    private let origin: ContinuousClock.Instant
    private let capacity: Int
    private let state = Mutex(State())

    /// `now` is injectable so that tests can move time by hand. At most `capacity` keys are kept: past it, the keys
    /// closest to lapsing are dropped first (a client address spraying new keys evicts nothing that is about to deny).
    public init(capacity: Int = 100_000, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock().now }) {
        self.now = now
        self.origin = now()
        self.capacity = max(1, capacity)
    }

    public var keyCount: Int { state.withLock { $0.tats.count } }

    public func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision {
        let now = (now() - origin).wholeMicrosecondsRoundedUp
        let rate = CellRate(limit: limit, window: window)
        return state.withLock { state in
            let (decision, next) = rate.decide(now: now, tat: state.tats[key])
            if let next { state.tats[key] = next }
            state.hitsSinceSweep += 1
            // A TAT in the past means a fresh bucket: forgetting it changes nothing.
            if state.hitsSinceSweep >= 4096 || state.tats.count > capacity {
                state.hitsSinceSweep = 0
                state.tats = state.tats.filter { $0.value > now }
                if state.tats.count > capacity {
                    let keep = state.tats.sorted { $0.value > $1.value }.prefix(capacity * 9 / 10)
                    state.tats = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
            }
            return decision
        }
    }
}

// MARK: - Redis

/// The same GCRA in Redis under `ratelimit:<key>`, one Lua script per hit, on the Redis server's clock, so that every
/// gateway instance shares one bucket per key and their clocks need not agree. The key expires when its TAT passes.
public final class RedisRateLimiter: RateLimiter {
    private let client: RedisClient

    public init(client: RedisClient) { self.client = client }

    // KEYS[1]: the TAT (µs). ARGV: interval (µs), window (µs). Returns {allowed, remaining, µs until allowed}.
    private static let script = RedisScript(
        """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local interval = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
        if tat < now then tat = now end
        local next = tat + interval
        local allowedAt = next - window
        if allowedAt > now then return {0, 0, allowedAt - now} end
        redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000))
        return {1, math.floor((window - (next - now)) / interval), 0}
        """
    )

    public func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision {
        let rate = CellRate(limit: limit, window: window)
        let reply = try await client.run(Self.script, keys: ["ratelimit:" + key], args: [String(rate.interval), String(rate.window)])
        guard let values = reply.array, values.count == 3, let allowed = values[0].int, let remaining = values[1].int, let wait = values[2].int
        else { throw RedisError.protocolError("unexpected rate limit script reply \(reply)") }
        return RateLimitDecision(allowed: allowed == 1, remaining: remaining, retryAfter: .microseconds(wait))
    }
}
