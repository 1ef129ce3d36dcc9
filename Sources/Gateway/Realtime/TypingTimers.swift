import ParleyAPI
import Synchronization

/// Typing that is never stopped ends by itself: `typing:start` holds for `expiry`, and each new start renews it;
/// when it lapses the chat hears `isTyping: false`, as if the client had sent `typing:stop`.
final class TypingTimers: Sendable {
    struct Key: Hashable {
        var chatId: ObjectId
        var userId: ObjectId
    }

    private struct State {
        var next = 0
        var timers: [Key: (generation: Int, task: Task<Void, Never>)] = [:]
    }

    let expiry: Duration
    private let state = Mutex(State())

    init(expiry: Duration = .seconds(5)) { self.expiry = expiry }

    /// Replaces any running timer of `key` with one that runs `lapse` after `expiry`.
    func started(_ key: Key, lapse: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            state.next += 1
            let generation = state.next
            let task = Task {
                try? await Task.sleep(for: expiry)
                // Only the newest timer of the key lapses: a renewal replaced any older one.
                let current = self.state.withLock { state -> Bool in
                    guard state.timers[key]?.generation == generation else { return false }
                    state.timers[key] = nil
                    return true
                }
                if current { await lapse() }
            }
            state.timers.updateValue((generation, task), forKey: key)?.task.cancel()
        }
    }

    func stopped(_ key: Key) {
        state.withLock { $0.timers.removeValue(forKey: key) }?.task.cancel()
    }
}
