import Foundation
import Logging
import ParleyAPI
import ParleyStore
import Synchronization
import Testing

@testable import MessagesService

/// A chats service whose `messagesStored` takes `delay` and keeps each call's messages; the calls listed in `failing`
/// (counted from 0) fail instead.
final class RecordingChats: ChatsInternalStub {
    private let state = Mutex([[StoredMessage]]())
    let delay: Duration
    let failing: Set<Int>

    init(delay: Duration, failing: Set<Int> = []) {
        self.delay = delay
        self.failing = failing
    }

    var calls: [[StoredMessage]] { state.withLock { $0 } }

    func messagesStored(_ input: ChatsInternal.MessagesStored.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let call = state.withLock { calls in
            calls.append(input.body.messages)
            return calls.count - 1
        }
        try await Task.sleep(for: delay)
        if failing.contains(call) { throw APIError.unavailable("chats is down") }
        return APIResponse(SuccessResponse(success: true))
    }
}

@Suite(.timeLimit(.minutes(1))) struct MessageRecorderTests {
    let context = APIContext(requestID: "test", logger: Logger(label: "test"))

    /// Records `messages` at once; for each, whether its record succeeded.
    func recordAll(_ recorder: MessageRecorder, _ messages: [MessageRecord]) async -> [ObjectId: Bool] {
        await withTaskGroup(of: (ObjectId, Bool).self) { group in
            for message in messages {
                group.addTask {
                    do {
                        try await recorder.record(message, context: context)
                        return (message.id, true)
                    } catch {
                        return (message.id, false)
                    }
                }
            }
            var results: [ObjectId: Bool] = [:]
            for await (id, recorded) in group { results[id] = recorded }
            return results
        }
    }

    func messages(_ count: Int) -> [MessageRecord] {
        (0..<count).map { _ in MessageRecord(chatId: ObjectId(), senderId: ObjectId(), body: "hi") }
    }

    @Test func sendsThatArriveDuringACallGoTogetherInTheNextAndEachIsRecordedOnce() async {
        let chats = RecordingChats(delay: .milliseconds(200))
        let sent = messages(50)
        let results = await recordAll(MessageRecorder(chats: chats), sent)
        #expect(results.count == 50 && results.values.allSatisfy { $0 })
        let calls = chats.calls
        let recorded = calls.flatMap { $0.map(\.message.messageId) }
        #expect(recorded.sorted { $0.description < $1.description } == sent.map(\.id).sorted { $0.description < $1.description })
        // The first send's call carries it alone; the 49 that came while it was under way share the next.
        #expect(calls.count < 50 && calls.contains { $0.count > 1 }, "\(calls.map(\.count))")
        #expect(calls.allSatisfy { $0.allSatisfy { stored in sent.contains { $0.id == stored.message.messageId && $0.chatId == stored.chatId } } })
    }

    @Test func aFailedCallFailsItsOwnSendsOnlyAndTheNextCallIsMade() async {
        let chats = RecordingChats(delay: .milliseconds(200), failing: [0])
        let recorder = MessageRecorder(chats: chats)
        let sent = messages(20)
        let results = await recordAll(recorder, sent)
        let calls = chats.calls
        #expect(calls.count >= 2)
        let failed = Set(calls[0].map(\.message.messageId))
        for message in sent { #expect(results[message.id] == !failed.contains(message.id)) }
        // Later sends are not stuck behind the failure.
        #expect(await recordAll(recorder, messages(3)).values.allSatisfy { $0 })
    }
}
