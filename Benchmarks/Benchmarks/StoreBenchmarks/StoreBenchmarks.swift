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
        let present = try await store.messages.unreadCount(chatId: chat, userId: ObjectId(), after: nil)
        if present < size {
            FileHandle.standardError.write(Data("building a chat of \(size) messages...\n".utf8))
            try await send(size - present, into: chat, store: store, firstAt: first.addingTimeInterval(Double(present) / 1000))
        }
        return (store, chat, first, size)
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
