import Foundation
import ParleyCore
public import ParleyRedis

/// The state gateway instances share: presence, rate limits and the event bus. In-process by default;
/// in Redis when `REDIS_URL` is set, so that several instances agree.
public struct SharedState: Sendable {
    public let presence: any PresenceTracker
    public let rateLimiter: any RateLimiter
    public let bus: any EventBus
    /// Sessions of dropped sockets, for whichever instance their client comes back to.
    public let sessions: any SessionKeeper
    /// Cached results and short claims.
    public let cache: any SharedCache
    /// The Redis client behind them, when there is one: for `/readyz` and for caches.
    public let redis: RedisClient?

    public init(
        presence: any PresenceTracker,
        rateLimiter: any RateLimiter,
        bus: any EventBus,
        sessions: any SessionKeeper,
        cache: any SharedCache,
        redis: RedisClient? = nil
    ) {
        self.presence = presence
        self.rateLimiter = rateLimiter
        self.bus = bus
        self.sessions = sessions
        self.cache = cache
        self.redis = redis
    }

    /// Everything in this process: for a single instance and for tests.
    public static func inProcess(presenceTTL: Duration = PresenceDefaults.ttl) -> SharedState {
        SharedState(
            presence: InProcessPresenceTracker(ttl: presenceTTL),
            rateLimiter: InProcessRateLimiter(),
            bus: InProcessEventBus(),
            sessions: InProcessSessionKeeper(),
            cache: InProcessSharedCache()
        )
    }

    /// Everything in the Redis server at `url` (`redis://[:password@]host:port[/db]`). Throws only for a
    /// malformed URL: connections are opened on first use.
    public static func redis(url: String, poolSize: Int = 8, presenceTTL: Duration = PresenceDefaults.ttl) throws -> SharedState {
        let client = try RedisClient(url: url, poolSize: poolSize, clientName: "parley")
        return SharedState(
            presence: RedisPresenceTracker(client: client, ttl: presenceTTL),
            rateLimiter: RedisRateLimiter(client: client),
            bus: RedisEventBus(client: client),
            sessions: RedisSessionKeeper(client: client),
            cache: RedisSharedCache(client: client),
            redis: client
        )
    }

    /// Redis when `REDIS_URL` is set and not empty, in-process otherwise.
    public static func fromEnvironment(_ environment: [String: String]) throws -> SharedState {
        if let url = environment["REDIS_URL"], !url.isEmpty { return try redis(url: url) }
        return inProcess()
    }

    /// Throws when the shared state is unreachable (Redis does not answer PING); in-process never throws.
    public func checkReady() async throws {
        try await redis?.ping()
    }
}
