import ParleyAPI
import ParleyStore
import ServiceKit
import Synchronization

/// Records stored messages in their chats (`chatsInternal.messagesStored`), as many together as were stored while the
/// previous call was under way: under load one call carries many sends, in a split deployment one HTTP round trip
/// instead of one per message, and each send still waits until its own message is recorded.
///
/// No task of its own: the first send finding no call under way makes it; when it returns, the first send that
/// queued meanwhile makes the next, with everything queued by then.
final class MessageRecorder: Sendable {
    private enum Turn {
        case recorded
        case failed(any Error)
        /// Make the next call, with what others queued.
        case lead
    }

    private struct Waiter {
        let message: StoredMessage
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var calling = false
        var queue: [Waiter] = []
    }

    private let chats: any ChatsInternalAPI
    private let state = Mutex(State())
    /// The route takes at most 500; later ones wait for the next call.
    private static let batchLimit = 500

    init(chats: any ChatsInternalAPI) {
        self.chats = chats
    }

    /// Returns once `message` is recorded in its chat; throws what the call that carried it threw.
    func record(_ message: MessageRecord, context: APIContext) async throws {
        let stored = StoredMessage(chatId: message.chatId, message: message.lastMessage.ref)
        let turn = await withCheckedContinuation { continuation in
            let lead = state.withLock { state in
                guard state.calling else {
                    state.calling = true
                    return true
                }
                state.queue.append(Waiter(message: stored, continuation: continuation))
                return false
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .recorded: return
        case .failed(let error): throw error
        case .lead: break
        }
        let others = state.withLock { state in
            let taken = Array(state.queue.prefix(Self.batchLimit - 1))
            state.queue.removeFirst(taken.count)
            return taken
        }
        let outcome: Turn
        do {
            let request = MessagesStoredRequest(messages: [stored] + others.map(\.message))
            _ = try await chats.messagesStored(.init(body: request), context: context)
            outcome = .recorded
        } catch {
            outcome = .failed(error)
        }
        for waiter in others { waiter.continuation.resume(returning: outcome) }
        let next = state.withLock { state -> Waiter? in
            guard !state.queue.isEmpty else {
                state.calling = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        if case .failed(let error) = outcome { throw error }
    }
}
