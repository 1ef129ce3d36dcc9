import Foundation
import Synchronization

/// `/readyz` under load and during outages: one check at a time, its answer reused for `cacheFor`, and a check that
/// does not finish within `deadline` counts as not ready (a MongoDB that is down takes its server-selection timeout,
/// seconds, to say so; a load balancer asks again long before that).
actor ReadinessProbe {
    private let check: ParleyServer.ReadinessCheck
    private let deadline: Duration
    private let cacheFor: Duration
    private var last: (at: ContinuousClock.Instant, error: String?)?
    private var running: Task<String?, Never>?

    init(check: @escaping ParleyServer.ReadinessCheck, deadline: Duration = .seconds(1), cacheFor: Duration = .seconds(1)) {
        self.check = check
        self.deadline = deadline
        self.cacheFor = cacheFor
    }

    /// Nil when ready; otherwise why not.
    func problem() async -> String? {
        let now = ContinuousClock.now
        if let last, now - last.at < cacheFor { return last.error }
        let task =
            running
            ?? Task { [check] in
                do {
                    try await check()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        running = task
        let answer = await Self.first(of: task, within: deadline)
        if answer != .pending {
            running = nil
        }
        let error: String? =
            switch answer {
            case .finished(let error): error
            case .pending: "no answer within \(deadline)"
            }
        last = (ContinuousClock.now, error)
        return error
    }

    private enum Answer: Equatable {
        case finished(String?)
        case pending
    }

    /// The task's result, or `.pending` once `deadline` passes; the task itself runs on and a later call picks it up.
    /// (A task group would wait for the hanging check before returning, so two racing tasks resume one continuation.)
    private static func first(of task: Task<String?, Never>, within deadline: Duration) async -> Answer {
        await withCheckedContinuation { continuation in
            let once = Mutex<CheckedContinuation<Answer, Never>?>(continuation)
            let resume: @Sendable (Answer) -> Void = { answer in once.withLock { $0.take() }?.resume(returning: answer) }
            Task { resume(.finished(await task.value)) }
            Task {
                try? await Task.sleep(for: deadline)
                resume(.pending)
            }
        }
    }
}
