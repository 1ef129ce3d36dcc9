import Benchmark
import Foundation
import ParleyAPIRuntime
import ParleyStore
import SQLiteStore

/// State made by the setup hooks (which return nothing) for the benchmark bodies.
enum Fixtures {
    nonisolated(unsafe) static var insertStore: (any Store)?
    nonisolated(unsafe) static var bigChat: (store: any Store, chat: ObjectId, first: Date, count: Int)?

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
                        try await store.messages.insert(MessageRecord(chatId: chat, senderId: me, body: "message \(i)", tempId: "t\(i)", createdAt: date))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A chat of a million messages, one per millisecond, kept in the temporary folder between runs.
    static func millionMessageChat() async throws -> (store: any Store, chat: ObjectId, first: Date, count: Int) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-1m.sqlite").path
        let chat = ObjectId(high: 0x6565_6565_6565_6565, low: 0x6565_6565)
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let present = try await store.messages.unreadCount(chatId: chat, userId: ObjectId(), after: nil)
        if present < bigChatSize {
            FileHandle.standardError.write(Data("building a chat of \(bigChatSize) messages in \(path)...\n".utf8))
            let remaining = bigChatSize - present
            let start = first.addingTimeInterval(Double(present) / 1000)
            try await send(remaining, into: chat, store: store, firstAt: start)
        }
        return (store, chat, first, bigChatSize)
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
        closure: { benchmark in
            guard let (store, chat, first, count) = Fixtures.bigChat else { return }
            let cursor = MessageKey(createdAt: first.addingTimeInterval(Double(Int.random(in: 50..<count)) / 1000), id: ObjectId(high: 0, low: 0))
            benchmark.startMeasurement()
            let page = try await store.messages.page(chatId: chat, viewer: ObjectId(), limit: 50, before: cursor)
            benchmark.stopMeasurement()
            precondition(page.count == 50)
            blackHole(page)
        },
        setup: { Fixtures.bigChat = try await Fixtures.millionMessageChat() }
    )
}
