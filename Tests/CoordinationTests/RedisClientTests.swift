import Coordination
import Foundation
import ParleyCore
import ParleyRedis
import Synchronization
import Testing

@Suite("Redis client")
struct RedisClientTests {
    @Test func commandRoundTrips() async throws {
        let redis = try await RedisTestServer.client()
        let key = unique("k")
        try await redis.ping()
        #expect(try await redis.get(key) == nil)
        #expect(try await redis.set(key, "hello"))
        #expect(try await redis.getString(key) == "hello")
        #expect(try await redis.set(key, "other", nx: true) == false)
        #expect(try await redis.getString(key) == "hello")
        #expect(try await redis.del(key) == 1)

        #expect(try await redis.incr(key) == 1)
        #expect(try await redis.incr(key) == 2)
        #expect(try await redis.decr(key) == 1)
        #expect(try await redis.pttl(key) == -1)
        #expect(try await redis.pexpire(key, milliseconds: 60_000))
        let ttl = try await redis.pttl(key)
        #expect(ttl > 50_000 && ttl <= 60_000)
        try await redis.set(key, "x", px: 30_000)
        #expect(try await redis.pttl(key) <= 30_000)
        try await redis.set(key, "x", ex: 100)
        #expect(try await redis.pttl(key) > 30_000)
        #expect(try await redis.del(key, unique("missing")) == 1)
        #expect(try await redis.pttl(key) == -2)

        // Arrays, nested nils and status replies come through as values.
        let list = unique("list")
        #expect(try await redis.command(["RPUSH", list, "a", "", "c"]) == .integer(3))
        #expect(
            try await redis.command(["LRANGE", list, "0", "-1"])
                == .array([.bulkString(Array("a".utf8)), .bulkString([]), .bulkString(Array("c".utf8))])
        )
        #expect(try await redis.command(["MGET", list + "-none", key]) == .array([.bulkString(nil), .bulkString(nil)]))
        #expect(try await redis.command(["SET", key, "v"]) == .simpleString("OK"))
        try await redis.del(list, key)

        // An error reply is thrown, and the connection stays usable.
        await #expect(throws: RedisError.self) { try await redis.command(["NOSUCHCOMMAND"]) }
        try await redis.set(key, "v")
        await #expect(throws: RedisError.self) { try await redis.incr(key) }
        #expect(try await redis.getString(key) == "v")
        try await redis.del(key)
    }

    @Test func valuesAreBinarySafe() async throws {
        let redis = try await RedisTestServer.client()
        let key = unique("bin") + " ✓ \r\n"
        let value = (0...255).map(UInt8.init) + [0, 0, 13, 10] + Array("$3\r\nfoo\r\n".utf8)
        try await redis.set(key, value)
        #expect(try await redis.get(key) == value)
        let empty = unique("empty")
        try await redis.set(empty, [UInt8]())
        #expect(try await redis.get(empty) == [])
        let large = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await redis.set(key, large)
        #expect(try await redis.get(key) == large)
        try await redis.del(key, empty)
    }

    @Test func evalAndScripts() async throws {
        let redis = try await RedisTestServer.client()
        let key = unique("script")
        #expect(
            try await redis.eval("return {KEYS[1], ARGV[1], 7}", keys: [key], args: ["a"])
                == .array([.bulkString(Array(key.utf8)), .bulkString(Array("a".utf8)), .integer(7)])
        )
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await redis.run(script, keys: [key], args: ["2"]) == .integer(2))
        // After the server forgets its scripts, EVALSHA fails with NOSCRIPT and EVAL takes over.
        _ = try await redis.command(["SCRIPT", "FLUSH"])
        #expect(try await redis.run(script, keys: [key], args: ["3"]) == .integer(5))
        let sha = try await redis.scriptLoad("return 1")
        #expect(try await redis.evalsha(sha) == .integer(1))
        try await redis.del(key)
    }

    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        let name = unique("killed")
        let redis = try await RedisTestServer.client(poolSize: 1, name: name)
        let admin = try await RedisTestServer.client(poolSize: 1)
        let key = unique("k")
        try await redis.set(key, "before")
        guard let id = try await redis.command(["CLIENT", "ID"]).int else {
            Issue.record("CLIENT ID did not answer an integer")
            return
        }
        // Only this client's connection: other tests share the server and run in parallel.
        #expect(try await admin.command(["CLIENT", "KILL", "ID", String(id), "TYPE", "normal"]) == .integer(1))

        #expect(try await redis.getString(key) == "before")
        let newID = try await redis.command(["CLIENT", "ID"]).int
        #expect(newID != nil && newID != id)
        try await redis.del(key)
    }

    @Test func reconnectsEveryPooledConnection() async throws {
        let name = unique("pool")
        let redis = try await RedisTestServer.client(poolSize: 3, name: name)
        let admin = try await RedisTestServer.client(poolSize: 1)
        // Open every connection, then kill them all.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await redis.command(["CLIENT", "ID"]) } }
            try await group.waitForAll()
        }
        let ids = try await connectionIDs(named: name, admin: admin)
        #expect(!ids.isEmpty)
        for id in ids { _ = try await admin.command(["CLIENT", "KILL", "ID", id, "TYPE", "normal"]) }

        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await redis.incr(name) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(1...20))
        #expect(Set(try await connectionIDs(named: name, admin: admin)).isDisjoint(with: ids))
        try await redis.del(name)
    }

    @Test func commandTimeoutDropsTheConnectionAndTheNextCommandWorks() async throws {
        let redis = try await RedisTestServer.client(poolSize: 1, commandTimeout: .milliseconds(200))
        let started = ContinuousClock().now
        await #expect(throws: RedisError.connection("timed out")) { try await redis.command(["BLPOP", unique("empty"), "2"]) }
        #expect(ContinuousClock().now - started < .milliseconds(1500))
        try await redis.ping()
    }

    @Test func unreachableServerIsAConnectionError() async throws {
        let redis = try RedisClient(url: "redis://127.0.0.1:1", poolSize: 1)
        await #expect {
            try await redis.ping()
        } throws: { error in
            guard case RedisError.connection = error else { return false }
            return true
        }
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let admin = try await RedisTestServer.client(poolSize: 1)
        let user = unique("user")
        let password = unique("pw")
        let key = unique("k")
        _ = try await admin.command(["ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all"])
        defer { Task { _ = try? await admin.command(["ACL", "DELUSER", user]) } }

        var configuration = try await RedisTestServer.configuration()
        configuration.username = user
        configuration.password = password
        configuration.database = 3
        let redis = RedisClient(configuration: configuration, poolSize: 1)
        try await redis.set(key, "in db 3")
        #expect(try await redis.command(["ACL", "WHOAMI"]).string == user)
        #expect(try await admin.get(key) == nil)
        #expect(try await admin.command(["SELECT", "3"]) == .simpleString("OK"))
        #expect(try await admin.getString(key) == "in db 3")
        try await admin.del(key)
        _ = try await admin.command(["SELECT", "0"])

        configuration.password = "wrong"
        let refused = RedisClient(configuration: configuration, poolSize: 1)
        await #expect {
            try await refused.ping()
        } throws: { error in
            guard case RedisError.server = error else { return false }
            return true
        }
    }

    @Test func parsesURLs() throws {
        let full = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6380/2")
        #expect(full.host == "cache.internal" && full.port == 6380 && full.database == 2)
        #expect(full.password == "s@cret" && full.username == nil)
        let user = try RedisConfiguration(url: "redis://alice:pw@localhost")
        #expect(user.username == "alice" && user.password == "pw" && user.port == 6379 && user.database == 0)
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "http://host") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://host/x") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "not a url") }
    }

    // MARK: Pub/sub

    @Test func subscribeDeliversAndEndsOnCancel() async throws {
        let redis = try await RedisTestServer.client()
        let channel = unique("ch")
        let subscribed = Mutex(0)
        let stream = redis.subscribe(channels: [channel], onSubscribed: { subscribed.withLock { $0 += 1 } }) {
            (channel: $0, message: $1)
        }
        #expect(try await eventually { subscribed.withLock { $0 } == 1 })
        #expect(try await redis.publish(channel, [0, 1, 2, 255]) == 1)
        try await redis.publish(channel, "end")
        let messages = try await collect(stream) { $0.message == Array("end".utf8) }
        #expect(messages.map(\.channel) == [channel, channel])
        #expect(messages.first?.message == [0, 1, 2, 255])

        let consumer = Task { for try await _ in stream {} }
        consumer.cancel()
        try await consumer.value
        #expect(try await eventually { try await numsub(channel, redis) == 0 })
    }

    @Test func subscriberResubscribesAfterTheServerDropsIt() async throws {
        let name = unique("sub")
        let redis = try await RedisTestServer.client(poolSize: 1, name: name)
        let admin = try await RedisTestServer.client(poolSize: 1)
        let channel = unique("ch")
        let subscribed = Mutex(0)
        let stream = redis.subscribe(channels: [channel], onSubscribed: { subscribed.withLock { $0 += 1 } }) {
            (channel: $0, message: $1)
        }
        #expect(try await eventually { subscribed.withLock { $0 } == 1 })
        try await redis.publish(channel, "one")

        let ids = try await connectionIDs(named: name, admin: admin, type: "pubsub")
        #expect(ids.count == 1)
        for id in ids { _ = try await admin.command(["CLIENT", "KILL", "ID", id, "TYPE", "pubsub"]) }
        #expect(try await eventually { subscribed.withLock { $0 } == 2 })
        try await redis.publish(channel, "two")

        let messages = try await collect(stream) { $0.message == Array("two".utf8) }
        #expect(messages.map { String(decoding: $0.message, as: UTF8.self) } == ["one", "two"])
    }

    @Test func subscribeWithNoChannelsEndsAtOnce() async throws {
        let redis = try await RedisTestServer.client()
        var count = 0
        for try await _ in redis.subscribe(channels: []) { count += 1 }
        #expect(count == 0)
    }

    // MARK: Helpers

    private func connectionIDs(named name: String, admin: RedisClient, type: String = "normal") async throws -> [String] {
        guard let list = try await admin.command(["CLIENT", "LIST", "TYPE", type]).string else { return [] }
        return list.split(separator: "\n").compactMap { line -> String? in
            let fields = Dictionary(
                line.split(separator: " ").compactMap { field -> (String, String)? in
                    let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2 else { return nil }
                    return (String(parts[0]), String(parts[1]))
                },
                uniquingKeysWith: { first, _ in first }
            )
            return fields["name"] == name ? fields["id"] : nil
        }
    }

    private func numsub(_ channel: String, _ redis: RedisClient) async throws -> Int? {
        try await redis.command(["PUBSUB", "NUMSUB", channel]).array?.last?.int
    }
}

@Suite("Redis presence records")
struct RedisPresenceRecordTests {
    @Test func recordsAreTheSeedsJSON() async throws {
        let redis = try await RedisTestServer.client()
        let tracker = RedisPresenceTracker(client: redis, ttl: .seconds(300))
        let user = ObjectId()
        try await tracker.connected(user, at: Date(timeIntervalSince1970: 1_709_251_199.123))
        #expect(try await redis.getString("presence:\(user)") == #"{"online":true,"lastSeen":"2024-02-29T23:59:59.123Z"}"#)
        #expect(try await redis.getString("presence:\(user):conns") == "1")
        let ttl = try await redis.pttl("presence:\(user)")
        #expect(ttl > 290_000 && ttl <= 300_000)
        try await redis.del("presence:\(user)", "presence:\(user):conns")
    }

    @Test(arguments: [
        (#"{"online":true,"lastSeen":"2024-02-29T23:59:59.123Z"}"#, Presence(online: true, lastSeen: Date(timeIntervalSince1970: 1_709_251_199.123))),
        (#"{"online":false,"lastSeen":1709251199123}"#, Presence(online: false, lastSeen: Date(timeIntervalSince1970: 1_709_251_199.123))),
        (#"{"online":false,"lastSeen":"1969-12-31T23:59:59.5Z"}"#, Presence(online: false, lastSeen: Date(timeIntervalSince1970: -0.5))),
        (#"{"online":true}"#, Presence(online: true, lastSeen: nil)),
    ])
    func readsRecordsOtherWritersStored(json: String, expected: Presence) async throws {
        let redis = try await RedisTestServer.client()
        let tracker = RedisPresenceTracker(client: redis)
        let user = ObjectId()
        try await redis.set("presence:\(user)", json, ex: 60)
        #expect(try await tracker.presence(of: user) == expected)
        try await redis.del("presence:\(user)")
    }

    @Test func aCorruptRecordIsAnError() async throws {
        let redis = try await RedisTestServer.client()
        let user = ObjectId()
        try await redis.set("presence:\(user)", "not json", ex: 60)
        await #expect(throws: RedisError.self) { try await RedisPresenceTracker(client: redis).presence(of: user) }
        try await redis.del("presence:\(user)")
    }
}

@Suite("Redis over TLS")
struct RedisTLSTests {
    @Test func commandsAndSubscriptionsGoThroughTLS() async throws {
        let server = try await TLSRedisTestServer.start()
        let client = try RedisClient(url: "rediss://localhost:\(server.port)/2?ca=\(server.caFile)", poolSize: 2)
        let key = "tls-\(UUID().uuidString)"
        _ = try await client.command(["SET", key, "over tls"])
        #expect(try await client.command(["GET", key]).string == "over tls")
        // A reply larger than one TLS record and than the read buffer.
        let big = String(repeating: "x", count: 100_000)
        _ = try await client.command(["SET", key, big])
        #expect(try await client.command(["GET", key]).string == big)

        let subscribed = AsyncStream.makeStream(of: Void.self)
        let messages = client.subscribe(channels: ["tls-channel"], onSubscribed: { subscribed.continuation.yield() }) { _, message in message }
        var iterator = messages.makeAsyncIterator()
        var confirmations = subscribed.stream.makeAsyncIterator()
        await confirmations.next()
        _ = try await client.command(["PUBLISH", "tls-channel", "hello"])
        #expect(try await iterator.next() == Array("hello".utf8))
    }

    @Test func theServerMustProveItIsTheHostDialled() async throws {
        let server = try await TLSRedisTestServer.start()
        // Signed by a CA the system does not trust.
        await expectRefusal(try RedisClient(url: "rediss://localhost:\(server.port)", poolSize: 1), mentioning: "certificate")
        // Trusted, but the certificate names localhost, not 127.0.0.1.
        await expectRefusal(try RedisClient(url: "rediss://127.0.0.1:\(server.port)?ca=\(server.caFile)", poolSize: 1), mentioning: "mismatch")
        // A plain client gets an error, not a hang.
        var plain = RedisConfiguration(host: "localhost", port: server.port, commandTimeout: .seconds(1))
        plain.tls = false
        await expectRefusal(RedisClient(configuration: plain, poolSize: 1), mentioning: "")
    }

    private func expectRefusal(_ client: RedisClient, mentioning text: String) async {
        do {
            try await client.ping()
            Issue.record("the connection was accepted")
        } catch {
            #expect(text.isEmpty || "\(error)".localizedCaseInsensitiveContains(text), "\(error)")
        }
    }

    @Test func urlsSayWhetherToUseTLS() throws {
        let secure = try RedisConfiguration(url: "rediss://:secret@cache.example.com:6380/1?ca=/etc/ca.pem")
        #expect(secure.tls && secure.caFile == "/etc/ca.pem" && secure.host == "cache.example.com" && secure.port == 6380)
        #expect(secure.password == "secret" && secure.database == 1)
        #expect(try RedisConfiguration(url: "redis://cache:6379").tls == false)
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://cache?ca=/etc/ca.pem") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "rediss://cache?verify=no") }
    }
}
