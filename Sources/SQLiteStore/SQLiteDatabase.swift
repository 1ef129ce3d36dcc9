import Foundation
import ParleyStore
import Synchronization

/// One SQLite file in WAL mode: a single writer that commits everyone's pending writes together (group
/// commit: one fsync for many acknowledged writes), and reader connections that run beside it.
///
/// Writes run on the writer's own queue, where they wait for the group's fsync. Reads run on the calling
/// thread with an idle reader connection: in WAL mode a reader never waits for the writer, a page of
/// messages is tens of microseconds of CPU from the page cache, and handing it to another thread and back
/// cost more than the query.
final class SQLiteDatabase: Sendable {
    private let path: String
    private let writer: SQLiteConnection
    private let writerQueue = DispatchQueue(label: "parley.sqlite.writer", qos: .userInitiated)
    private let pending = Mutex<[WriteJob]>([])
    /// Idle reader connections. A read takes one, or opens one when all are busy: there are never more than
    /// the threads that read at once, a handful.
    private let idleReaders: Mutex<[SQLiteConnection]>

    init(path: String, readers count: Int = 2) throws {
        self.path = path
        writer = try SQLiteConnection(path: path, readOnly: false)
        // FULL: a commit is on disk (the WAL is fsynced) before its writers are answered.
        try writer.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;")
        idleReaders = Mutex(try (0..<max(1, count)).map { _ in try Self.reader(path: path) })
    }

    private static func reader(path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: false)
        try connection.execute("PRAGMA query_only=1; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;")
        return connection
    }

    /// Runs `body` inside the next group transaction; returns once that transaction is durable.
    /// A failing body rolls back only its own changes (a savepoint), not its neighbours'.
    @discardableResult
    func write<T: Sendable>(
        function: StaticString = #function,
        file: StaticString = #fileID,
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        try await StoreTelemetry.measure("sqlite", function, in: file) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = WriteJob(continuation: continuation, body: body)
                let first = pending.withLock { jobs in
                    jobs.append(job)
                    return jobs.count == 1
                }
                if first { writerQueue.async { self.drain() } }
            }
        }
    }

    func read<T>(function: StaticString = #function, file: StaticString = #fileID, _ body: (SQLiteConnection) throws -> T) throws -> T {
        try StoreTelemetry.measure("sqlite", function, in: file) {
            let connection = try idleReaders.withLock { $0.popLast() } ?? Self.reader(path: path)
            defer { idleReaders.withLock { $0.append(connection) } }
            return try body(connection)
        }
    }

    /// Runs without the group transaction: schema changes and pragmas.
    func exclusive<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writerQueue.async { continuation.resume(with: Result { try body(self.writer) }) }
        }
    }

    private func drain() {
        let jobs = pending.withLock { jobs in
            defer { jobs.removeAll(keepingCapacity: true) }
            return jobs
        }
        guard !jobs.isEmpty else { return }
        // Transaction control goes through cached statements: parsing it again for every write would cost more
        // than many of the writes themselves.
        do {
            try writer.run("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return
        }
        for job in jobs {
            do {
                try writer.run("SAVEPOINT job")
                if !job.run(writer) { try writer.run("ROLLBACK TO job") }
                try writer.run("RELEASE job")
            } catch {
                // The savepoint itself failed, so this job's changes are unknown: it fails even if the group commits.
                job.fail(error)
            }
        }
        do {
            try writer.run("COMMIT")
            for job in jobs { job.finish() }
        } catch {
            _ = try? writer.run("ROLLBACK")
            for job in jobs { job.fail(error) }
        }
    }
}

/// A write waiting for the writer: its body runs in the group transaction, its caller is answered after
/// the commit. Touched only on the writer queue once enqueued.
private final class WriteJob: @unchecked Sendable {
    /// Runs the body; false when it threw.
    let run: (SQLiteConnection) -> Bool
    private let resume: (Result<Void, any Error>) -> Void
    private var answered = false

    init<T: Sendable>(continuation: CheckedContinuation<T, any Error>, body: @escaping @Sendable (SQLiteConnection) throws -> T) {
        var outcome: Result<T, any Error> = .failure(StoreError.unavailable("write did not run"))
        run = { connection in
            outcome = Result { try body(connection) }
            if case .failure = outcome { return false }
            return true
        }
        resume = { commit in
            switch commit {
            case .success: continuation.resume(with: outcome)
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
    }

    func finish() { answer(.success(())) }
    func fail(_ error: any Error) { answer(.failure(error)) }

    private func answer(_ result: Result<Void, any Error>) {
        guard !answered else { return }
        answered = true
        resume(result)
    }
}
