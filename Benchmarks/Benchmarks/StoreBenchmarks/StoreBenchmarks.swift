import Benchmark
import Foundation
import MongoStore
import ParleyAPIRuntime
import ParleyStore
import SQLiteStore

/// State made by the setup hooks (which return nothing) for the benchmark bodies.
enum Fixtures {
    nonisolated(unsafe) static var insertStore: (any Store)?
    nonisolated(unsafe) static var bigChat: (store: any Store, chat: ObjectId, first: Date, count: Int)?
    nonisolated(unsafe) static var mongoInsertStore: (any Store)?
    nonisolated(unsafe) static var mongoChat: (store: any Store, chat: ObjectId, first: Date, count: Int)?

    /// The MongoDB-wire server to measure, e.g. a SecantusDB started for the purpose; unset skips those benchmarks.
    static let mongoURI = ProcessInfo.processInfo.environment["PARLEY_BENCH_MONGO_URI"]
    static let mongoChatSize = Int(ProcessInfo.processInfo.environment["PARLEY_BENCH_MONGO_CHAT_SIZE"] ?? "") ?? 100_000

    nonisolated(unsafe) static var manyChats: (store: any Store, user: ObjectId)?
    nonisolated(unsafe) static var bigGroup: (store: any Store, chat: ChatRecord)?

    static let senders = 64
    static let bigChatSize = 1_000_000

    static func freshSQLite() async throws -> any Store {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder.appendingPathComponent("parley.sqlite").path)
        try await store.migrate()
        return store
    }

    /// `count` messages into one chat from 64 concurrent senders, each insert a durable, acknowledged write.
    static func send(_ count: Int, into chat: ObjectId, store: any Store, firstAt: Date? = nil) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    let me = ObjectId()
                    for i in stride(from: sender, to: count, by: senders) {
                        let date = firstAt.map { $0.addingTimeInterval(Double(i) / 1000) } ?? Date()
                        try await store.messages.insert(
                            MessageRecord(chatId: chat, senderId: me, body: "message \(i)", tempId: "t\(i)", createdAt: date)
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A chat of `size` messages, one per millisecond, built once and kept by the store between runs.
    static func largeChat(in store: any Store, size: Int) async throws -> (store: any Store, chat: ObjectId, first: Date, count: Int) {
        let chat = ObjectId(high: 0x6565_6565_6565_6565, low: 0x6565_6565)
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.migrate()
        let newest = try await store.messages.page(chatId: chat, viewer: ObjectId(), since: nil, limit: 1, before: nil).first
        let present = newest.map { Int(($0.createdAt.timeIntervalSince(first) * 1000).rounded()) + 1 } ?? 0
        if present < size {
            FileHandle.standardError.write(Data("building a chat of \(size) messages...\n".utf8))
            try await send(size - present, into: chat, store: store, firstAt: first.addingTimeInterval(Double(present) / 1000))
        }
        return (store, chat, first, size)
    }

    /// A user in 500 chats, five of them with 100,000 messages they never read, built once and kept by the store.
    static func manyChats(in store: any Store) async throws -> (store: any Store, user: ObjectId) {
        let user = ObjectId(high: 0x7575_7575_7575_7575, low: 0x7575_7575)
        let other = ObjectId(high: 0x7676_7676_7676_7676, low: 0x7676_7676)
        try await store.migrate()
        guard try await store.chats.list(userId: user, archived: false, limit: 1, after: nil).isEmpty else { return (store, user) }
        FileHandle.standardError.write(Data("building 500 chats, five of 100,000 messages...\n".utf8))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<500 {
            let chat = ChatRecord(kind: .group, participants: [user, other], admins: [other], title: "chat \(index)", createdAt: start)
            try await store.chats.insert(chat)
            let size = index % 100 == 0 ? 100_000 : 20
            try await send(size, into: chat.id, store: store, firstAt: start)
            try await recordLast(of: chat, in: store, at: start.addingTimeInterval(Double(size) / 1000))
        }
        return (store, user)
    }

    /// A group of 1,000 members where every member has read part of it, built once and kept by the store.
    static func bigGroup(in store: any Store) async throws -> (store: any Store, chat: ChatRecord) {
        let id = ObjectId(high: 0x7777_7777_7777_7777, low: 0x7777_7777)
        try await store.migrate()
        if let chat = try await store.chats.find(id: id) { return (store, chat) }
        FileHandle.standardError.write(Data("building a group of 1,000 members...\n".utf8))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let members = (0..<1_000).map { _ in ObjectId() }
        let chat = ChatRecord(id: id, kind: .group, participants: members, admins: [members[0]], title: "big", createdAt: start)
        try await store.chats.insert(chat)
        try await send(2_000, into: id, store: store, firstAt: start)
        for (index, member) in members.enumerated() {
            try await store.chats.markRead(
                chatId: id,
                userId: member,
                upTo: MessageKey(createdAt: start.addingTimeInterval(Double(index) / 1000), id: ObjectId(high: 0, low: 0))
            )
        }
        try await recordLast(of: chat, in: store, at: start.addingTimeInterval(2))
        return (store, chat)
    }

    private static func recordLast(of chat: ChatRecord, in store: any Store, at date: Date) async throws {
        try await store.chats.recordMessage(
            chatId: chat.id,
            LastMessageRecord(messageId: ObjectId(), body: "last", senderId: chat.participants[1], createdAt: date)
        )
    }

    static func pageBenchmark(_ benchmark: Benchmark, _ fixture: (store: any Store, chat: ObjectId, first: Date, count: Int)?) async throws {
        guard let (store, chat, first, count) = fixture else { return }
        let cursor = MessageKey(createdAt: first.addingTimeInterval(Double(Int.random(in: 50..<count)) / 1000), id: ObjectId(high: 0, low: 0))
        benchmark.startMeasurement()
        let page = try await store.messages.page(chatId: chat, viewer: ObjectId(), since: nil, limit: 50, before: cursor)
        benchmark.stopMeasurement()
        precondition(page.count == 50)
        blackHole(page)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(15)

    // One iteration: 1,000 messages into one chat from 64 concurrent senders; throughput is in thousands per second.
    Benchmark(
        "SQLite durable message inserts, 64 concurrent senders",
        configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo, maxIterations: 50),
        closure: { benchmark in
            guard let store = Fixtures.insertStore else { return }
            try await Fixtures.send(benchmark.scaledIterations.count, into: ObjectId(), store: store)
        },
        setup: { Fixtures.insertStore = try await Fixtures.freshSQLite() }
    )

    // One iteration: the page of 50 before a random point of a 1,000,000-message chat.
    Benchmark(
        "SQLite page of 50 from a chat of 1,000,000 messages",
        configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 20_000),
        closure: { benchmark in try await Fixtures.pageBenchmark(benchmark, Fixtures.bigChat) },
        setup: {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-1m.sqlite").path
            Fixtures.bigChat = try await Fixtures.largeChat(in: try SQLiteStore(path: path), size: Fixtures.bigChatSize)
        }
    )

    // One iteration: the first page of the chat list (50 chats with their unread counts and previews) of a user in
    // 500 chats, five of which hold 100,000 messages that user never read: what `GET /api/chats` asks of the store.
    Benchmark(
        "SQLite chat list page of a user in 500 chats",
        configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 2_000),
        closure: { benchmark in
            guard let (store, user) = Fixtures.manyChats else { return }
            let listings = try await store.chats.list(userId: user, archived: false, limit: 50, after: nil)
            let hidden = try await store.messages.hidden(among: listings.compactMap(\.chat.lastMessage?.messageId), for: user)
            let unread = listings.reduce(0) { $0 + $1.state.unreadCount }
            precondition(listings.count == 50 && unread > 0)
            blackHole((unread, hidden))
        },
        setup: {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-500-chats.sqlite").path
            Fixtures.manyChats = try await Fixtures.manyChats(in: try SQLiteStore(path: path))
        }
    )

    // One iteration: every member's own view (pin, archive, unread count) of a changed 1,000-member group.
    Benchmark(
        "SQLite member views of a 1,000-member group",
        configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 500),
        closure: { benchmark in
            guard let (store, chat) = Fixtures.bigGroup else { return }
            let unread = try await store.chats.memberStates(chatId: chat.id).values.reduce(0) { $0 + $1.unreadCount }
            precondition(unread > 0)
            blackHole(unread)
        },
        setup: {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-1000-members.sqlite").path
            Fixtures.bigGroup = try await Fixtures.bigGroup(in: try SQLiteStore(path: path))
        }
    )

    // The same two against a MongoDB-wire server. Against SecantusDB (pure Python, the CI server) these measure
    // that server far more than this store.
    Benchmark(
        "MongoDB durable message inserts, 64 concurrent senders",
        configuration: .init(
            metrics: [.wallClock, .throughput],
            scalingFactor: .kilo,
            maxDuration: .seconds(60),
            maxIterations: 5,
            skip: Fixtures.mongoURI == nil
        ),
        closure: { benchmark in
            guard let store = Fixtures.mongoInsertStore else { return }
            try await Fixtures.send(benchmark.scaledIterations.count, into: ObjectId(), store: store)
        },
        setup: {
            guard let uri = Fixtures.mongoURI else { return }
            let store = try MongoStore(uri: uri, database: "bench_inserts_\(UInt32.random(in: 0..<UInt32.max))")
            try await store.migrate()
            Fixtures.mongoInsertStore = store
        }
    )

    Benchmark(
        "MongoDB page of 50 from a large chat",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(30), maxIterations: 2_000, skip: Fixtures.mongoURI == nil),
        closure: { benchmark in try await Fixtures.pageBenchmark(benchmark, Fixtures.mongoChat) },
        setup: {
            guard let uri = Fixtures.mongoURI else { return }
            Fixtures.mongoChat = try await Fixtures.largeChat(in: try MongoStore(uri: uri, database: "bench_pages"), size: Fixtures.mongoChatSize)
        }
    )
}
