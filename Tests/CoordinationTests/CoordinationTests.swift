import Coordination
import Foundation
import ParleyCore
import Synchronization
import Testing

/// One suite, both implementations: in-process and Redis must behave the same.
@Suite("Coordination contract")
struct CoordinationContractTests {
    // Whole milliseconds: both implementations keep millisecond precision.
    private static func date(_ millisecondsAfterStart: Int64) -> Date {
        Date(timeIntervalSince1970: Double(1_750_000_000_000 + millisecondsAfterStart) / 1000)
    }

    // MARK: Presence

    @Test("presence: never seen is nil", arguments: Backend.allCases)
    func presenceNeverSeen(_ backend: Backend) async throws {
        let presence = try await Harness.make(backend).coordination.presence
        #expect(try await presence.presence(of: ObjectId()) == nil)
    }

    @Test("presence: online until the last of two sockets disconnects", arguments: Backend.allCases)
    func presenceTwoSockets(_ backend: Backend) async throws {
        let presence = try await Harness.make(backend).coordination.presence
        let user = ObjectId()
        let other = ObjectId()

        #expect(try await presence.connected(user, at: Self.date(0)) == 1, "the first socket brings the user online")
        #expect(try await presence.connected(user, at: Self.date(1_001)) == 2)
        #expect(try await presence.presence(of: user) == Presence(online: true, lastSeen: Self.date(1_001)))

        #expect(try await presence.disconnected(user, at: Self.date(2_002)) == 1)
        #expect(try await presence.presence(of: user) == Presence(online: true, lastSeen: Self.date(2_002)))

        #expect(try await presence.disconnected(user, at: Self.date(3_003)) == 0, "the last socket takes the user offline")
        #expect(try await presence.presence(of: user) == Presence(online: false, lastSeen: Self.date(3_003)))

        // A late heartbeat from a socket already gone does not bring the user back.
        try await presence.heartbeat(user, at: Self.date(4_004))
        #expect(try await presence.presence(of: user) == Presence(online: false, lastSeen: Self.date(3_003)))

        // A spurious extra disconnect does not drive the count negative: one connect is online again.
        try await presence.disconnected(user, at: Self.date(5_005))
        try await presence.connected(user, at: Self.date(6_006))
        #expect(try await presence.presence(of: user) == Presence(online: true, lastSeen: Self.date(6_006)))

        #expect(try await presence.presence(of: other) == nil)
    }

    @Test("presence: heartbeats keep a user online; without them the record lapses", arguments: Backend.allCases)
    func presenceExpiry(_ backend: Backend) async throws {
        // Sleeps only ever run long on a loaded machine (a CI build beside the tests), so each check is placed where a
        // late wake-up keeps it true: "still online" 0.7 s after the heartbeat leaves 2.3 s of slack below the TTL.
        let ttl = Duration.seconds(3)
        let presence = try await Harness.make(backend, presenceTTL: ttl).coordination.presence
        let user = ObjectId()

        try await presence.connected(user, at: Self.date(0))
        try await Task.sleep(for: .milliseconds(2500))
        try await presence.heartbeat(user, at: Self.date(350))
        try await Task.sleep(for: .milliseconds(700))
        // Longer than the TTL after connecting, well within it after the heartbeat: still online.
        #expect(try await presence.presence(of: user) == Presence(online: true, lastSeen: Self.date(350)))

        try await Task.sleep(for: .milliseconds(3500))
        // More than the TTL since the heartbeat: lapsed, the caller falls back to the stored lastSeen.
        #expect(try await presence.presence(of: user) == nil)

        // A socket that outlived its record heartbeats it back to online, with one socket.
        try await presence.heartbeat(user, at: Self.date(2_000))
        #expect(try await presence.presence(of: user) == Presence(online: true, lastSeen: Self.date(2_000)))
        try await presence.disconnected(user, at: Self.date(2_100))
        #expect(try await presence.presence(of: user) == Presence(online: false, lastSeen: Self.date(2_100)))
    }

    // MARK: Rate limits

    @Test("rate limit: a burst of `limit` hits, then denied with a retryAfter until the window slides", arguments: Backend.allCases)
    func rateLimit(_ backend: Backend) async throws {
        let limiter = try await Harness.make(backend).coordination.rateLimiter
        // A window long enough that a slow, loaded machine cannot refill it between the hits.
        let key = unique("login")
        let window = Duration.seconds(60)
        for expectedRemaining in (0..<5).reversed() {
            let decision = try await limiter.hit(key, limit: 5, window: window)
            #expect(decision.allowed)
            #expect(decision.remaining == expectedRemaining)
            #expect(decision.retryAfter == .zero)
        }
        let denied = try await limiter.hit(key, limit: 5, window: window)
        #expect(!denied.allowed)
        #expect(denied.remaining == 0)
        // One hit back per window / limit (12 s, less the time the burst took), not the whole window.
        #expect(denied.retryAfter > .seconds(6) && denied.retryAfter <= .seconds(12))
        // Another key has a bucket of its own.
        #expect(try await limiter.hit(unique("other"), limit: 5, window: window).allowed)

        // Waiting out the retryAfter allows the next hit.
        // A stall longer than the window between two hits lets the second through and restarts the window, so hit
        // until one is denied (CI once stalled that long).
        let short = unique("short")
        var wait = try await limiter.hit(short, limit: 1, window: .milliseconds(400))
        #expect(wait.allowed)
        for _ in 0..<10 where wait.allowed {
            wait = try await limiter.hit(short, limit: 1, window: .milliseconds(400))
        }
        try #require(!wait.allowed)
        #expect(wait.retryAfter > .zero && wait.retryAfter <= .milliseconds(400))
        try await Task.sleep(for: wait.retryAfter + .milliseconds(50))
        #expect(try await limiter.hit(short, limit: 1, window: .milliseconds(400)).allowed)
    }

    @Test("rate limit: concurrent hits never exceed the limit", arguments: Backend.allCases)
    func rateLimitConcurrent(_ backend: Backend) async throws {
        let limiter = try await Harness.make(backend).coordination.rateLimiter
        let key = unique("burst")
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                // A window far longer than the burst takes, so that no hit is refilled while it runs.
                group.addTask { try await limiter.hit(key, limit: 37, window: .seconds(3600)).allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 37)
    }

    // MARK: Event bus

    @Test("bus: each message reaches each of two subscribers exactly once", arguments: Backend.allCases)
    func busExactlyOnce(_ backend: Backend) async throws {
        let harness = try await Harness.make(backend)
        let bus = harness.coordination.bus
        let channel = unique("chat")
        let elsewhere = unique("chat")
        let first = bus.subscribe([channel])
        let second = bus.subscribe([channel, elsewhere])
        let bystander = bus.subscribe([elsewhere])
        #expect(try await eventually { try await harness.subscriberCount(channel) == 2 })
        #expect(try await eventually { try await harness.subscriberCount(elsewhere) == 2 })

        // Binary payloads, including bytes that are not UTF-8; "end" marks the last one.
        let payloads = (0..<25).map { [UInt8(0), 0xFF, 0x0D, 0x0A, UInt8($0)] }
        for payload in payloads { try await bus.publish(channel, payload) }
        try await bus.publish(channel, Array("end".utf8))
        try await bus.publish(elsewhere, Array("end".utf8))

        let isEnd: @Sendable (BusMessage) -> Bool = { $0.payload == Array("end".utf8) }
        let heard = try await collect(first, until: isEnd)
        #expect(heard.map(\.channel) == Array(repeating: channel, count: 26))
        #expect(heard.map(\.payload) == payloads + [Array("end".utf8)])
        #expect(Set(heard.map(\.offset)).count == 26)
        #expect(try await collect(second, until: isEnd) == heard)
        // The bystander only hears its own channel.
        #expect(try await collect(bystander, until: isEnd).map(\.channel) == [elsewhere])
    }

    @Test("bus: the log gives back what came after an offset, the same offsets subscribers heard", arguments: Backend.allCases)
    func busLog(_ backend: Backend) async throws {
        let harness = try await Harness.make(backend)
        let bus = harness.coordination.bus
        let channel = unique("log")
        let listener = bus.subscribe([channel])
        #expect(try await eventually { try await harness.subscriberCount(channel) == 1 })
        var offsets: [String] = []
        for byte in UInt8(0)..<5 { offsets.append(try await bus.publish(channel, [byte, 0xFF])) }
        let heard = try await collect(listener) { $0.payload == [4, 0xFF] }
        #expect(heard.map(\.offset) == offsets)

        let after = try #require(try await bus.messages(channel, after: offsets[1], limit: 10))
        #expect(after == Array(heard[2...]))
        #expect(try await bus.messages(channel, after: offsets[4], limit: 10) == [])
        // More than the limit, or an offset the log never held: nil, not a partial answer.
        #expect(try await bus.messages(channel, after: offsets[0], limit: 3) == nil)
        #expect(try await bus.messages(channel, after: "999999999999999-0", limit: 10) == nil)
        #expect(try await bus.messages(unique("silent"), after: offsets[0], limit: 10) == nil)
    }

    // MARK: Kept sessions

    @Test("sessions: a kept value is taken once, and not after its time", arguments: Backend.allCases)
    func sessionsTakenOnce(_ backend: Backend) async throws {
        let sessions = try await Harness.make(backend).coordination.sessions
        let key = unique("socket")
        try await sessions.keep(key, [0, 0xFF, 1], for: .seconds(30))
        #expect(try await sessions.take(key) == [0, 0xFF, 1])
        #expect(try await sessions.take(key) == nil, "a second take gets nothing")

        let brief = unique("socket")
        try await sessions.keep(brief, [1], for: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await sessions.take(brief) == nil)
        #expect(try await sessions.take(unique("never")) == nil)
    }

    // MARK: Cache

    @Test("cache: a value lasts its time; a claim is won once until it lapses", arguments: Backend.allCases)
    func cacheValuesAndClaims(_ backend: Backend) async throws {
        let cache = try await Harness.make(backend).coordination.cache
        let key = unique("preview")
        #expect(try await cache.value(key) == nil)
        // Lifetimes long enough that a loaded machine does not outlive them between two lines.
        try await cache.store(key, [7, 0, 255], for: .seconds(2))
        #expect(try await cache.value(key) == [7, 0, 255])

        let claim = unique("push")
        #expect(try await cache.claim(claim, for: .seconds(2)))
        #expect(try await cache.claim(claim, for: .seconds(2)) == false, "a second claim while the first lasts loses")
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await cache.value(key) == nil, "the value lapsed")
        #expect(try await cache.claim(claim, for: .seconds(2)), "the lapsed claim can be won again")
    }

    @Test func inProcessCacheMemoryIsBounded() async throws {
        let cache = InProcessSharedCache(capacity: 100)
        for index in 0..<1000 { try await cache.store("k\(index)", [1], for: .seconds(60)) }
        #expect(try await cache.value("k999") == [1], "the newest entry stays")
        var kept = 0
        for index in 0..<1000 where try await cache.value("k\(index)") != nil { kept += 1 }
        #expect(kept <= 100)
    }

    @Test("bus: a cancelled consumer is unsubscribed", arguments: Backend.allCases)
    func busUnsubscribesOnCancel(_ backend: Backend) async throws {
        let harness = try await Harness.make(backend)
        let bus = harness.coordination.bus
        let channel = unique("typing")
        let received = Mutex(0)
        let consumer = Task {
            for try await _ in bus.subscribe([channel]) { received.withLock { $0 += 1 } }
        }
        #expect(try await eventually { try await harness.subscriberCount(channel) == 1 })
        try await bus.publish(channel, [1])
        #expect(try await eventually { received.withLock { $0 } == 1 })

        consumer.cancel()
        #expect(try await eventually { try await harness.subscriberCount(channel) == 0 })
        _ = try? await consumer.value
        try await bus.publish(channel, [2])
        #expect(received.withLock { $0 } == 1)
    }

    @Test("bus: publishing with nobody listening is not an error", arguments: Backend.allCases)
    func busNoSubscribers(_ backend: Backend) async throws {
        let bus = try await Harness.make(backend).coordination.bus
        try await bus.publish(unique("nobody"), [1, 2, 3])
    }
}

/// In-process only: time moved by hand, so the TTL and window edges are exact.
@Suite("In-process implementations with a manual clock")
struct InProcessClockTests {
    @Test func presenceLapsesExactlyAtTheTTL() async throws {
        let clock = ManualClock()
        let presence = InProcessPresenceTracker(ttl: .seconds(300), now: { clock.now })
        let user = ObjectId()
        let at = Date(timeIntervalSince1970: 1_750_000_000)
        try await presence.connected(user, at: at)
        clock.advance(by: .seconds(299))
        #expect(try await presence.presence(of: user)?.online == true)
        try await presence.heartbeat(user, at: at)
        clock.advance(by: .seconds(299))
        #expect(try await presence.presence(of: user)?.online == true)
        clock.advance(by: .seconds(1))
        #expect(try await presence.presence(of: user) == nil)
    }

    @Test func defaultPresenceTTLIsFiveMinutes() {
        #expect(PresenceDefaults.ttl == .seconds(300))
    }

    @Test func rateLimitsSlideInsteadOfResettingAtAWindowBoundary() async throws {
        let clock = ManualClock()
        let limiter = InProcessRateLimiter(now: { clock.now })
        func hit() async throws -> RateLimitDecision { try await limiter.hit("k", limit: 10, window: .seconds(60)) }
        for _ in 0..<10 { #expect(try await hit().allowed) }
        let denied = try await hit()
        #expect(!denied.allowed)
        #expect(denied.retryAfter == .seconds(6))
        // A fixed window would allow 10 more at its boundary; the sliding one gives one back per 6 s.
        clock.advance(by: .seconds(60))
        var allowed = 0
        for _ in 0..<25 where try await hit().allowed { allowed += 1 }
        #expect(allowed == 10)
        clock.advance(by: .seconds(6))
        #expect(try await hit().allowed)
        #expect(try await hit().allowed == false)
        clock.advance(by: .seconds(120))
        #expect(try await hit().remaining == 9, "idle for a whole window: a full burst again")
    }

    @Test func inProcessRateLimitMemoryIsBounded() async throws {
        let clock = ManualClock()
        let limiter = InProcessRateLimiter(capacity: 1000, now: { clock.now })
        for i in 0..<500 { _ = try await limiter.hit("victim-\(i)", limit: 1, window: .seconds(600)) }
        clock.advance(by: .seconds(1))
        // Ten thousand addresses spraying new keys keep the table at its capacity.
        for i in 0..<10_000 { _ = try await limiter.hit("spray-\(i)", limit: 1, window: .seconds(60)) }
        #expect(limiter.keyCount <= 1000)
        // The keys furthest from lapsing stayed: the victims' ten-minute denials still hold.
        #expect(try await limiter.hit("victim-5", limit: 1, window: .seconds(600)).allowed == false)
    }

    @Test func zeroLimitDeniesEverything() async throws {
        let decision = try await InProcessRateLimiter().hit("k", limit: 0, window: .seconds(1))
        #expect(!decision.allowed && decision.retryAfter > .zero)
    }

    @Test func environmentChoosesTheImplementation() throws {
        #expect(try SharedState.fromEnvironment([:]).redis == nil)
        #expect(try SharedState.fromEnvironment(["REDIS_URL": "redis://127.0.0.1:1"]).redis != nil)
        #expect(throws: (any Error).self) { try SharedState.fromEnvironment(["REDIS_URL": "http://x"]) }
    }
}
