import Foundation
import Synchronization

/// A fixed set of threads for libmongoc's blocking calls, shared by every `MongoStore` in the process.
/// Blocking there keeps them off event loops and off Swift's cooperative pool, and the thread count stays
/// bounded however many requests wait (GCD's global queues would grow threads for each blocked job).
final class MongoExecutor: Sendable {
    static let shared = MongoExecutor(threads: 16)

    let threadCount: Int
    private let queue = Mutex(JobQueue())
    private let available = DispatchSemaphore(value: 0)

    private struct JobQueue: ~Copyable {
        var jobs: [@Sendable () -> Void] = []
        var head = 0

        mutating func push(_ job: @escaping @Sendable () -> Void) { jobs.append(job) }

        mutating func pop() -> (@Sendable () -> Void)? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            // Compact now and then instead of shifting the array on every pop.
            if head > 64, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    init(threads: Int) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "parley.mongo.\(index)"
            thread.start()
        }
    }

    /// Runs `body` on one of the executor's threads and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.withLock { $0.push { continuation.resume(with: Result { try body() }) } }
            available.signal()
        }
    }

    private func work() {
        while true {
            available.wait()
            if let job = queue.withLock({ $0.pop() }) { job() }
        }
    }
}
