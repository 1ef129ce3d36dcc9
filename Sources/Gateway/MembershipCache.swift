import Coordination
import Logging
import ParleyAPI
import ServiceKit
import ServiceLifecycle
import Synchronization

/// The chats service in another process, with its answers to "is this user a member of that chat?" kept for a few
/// seconds: every message read, sent or typed asks it, and in a split deployment each question is an HTTP call.
///
/// The chats service announces every change of a chat's members (`EventPublisher.membersChanged`: the chat's id on the
/// bus's `parley:chats:changed`), which drops the chat's entry at once; a user not among the cached members is always
/// asked again. The lifetime bounds how long a
/// removed member could still be let in should the bus lose that announcement (Redis pub/sub is at most once, and
/// a silently dropped connection is noticed within seconds), and every (re)subscription starts from empty.
final class MembershipCache: ChatsInternalAPI, Service {
    private struct Entry {
        var membership: ChatMembership
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectId: Entry] = [:]
        /// Answers are kept only while the bus subscription is confirmed.
        var listening = false
        /// Counts evictions: an answer fetched across one may predate the change, so it is not kept.
        var generation = 0
    }

    private let chats: any ChatsInternalAPI
    private let bus: any EventBus
    private let lifetime: Duration
    private let capacity: Int
    private let logger: Logger
    private let state = Mutex(State())

    init(chats: any ChatsInternalAPI, bus: any EventBus, lifetime: Duration = .seconds(5), capacity: Int = 100_000, logger: Logger) {
        self.chats = chats
        self.bus = bus
        self.lifetime = lifetime
        self.capacity = capacity
        self.logger = logger
    }

    func member(_ input: ChatsInternal.Member.Input, context: APIContext) async throws -> APIResponse<ChatMembership> {
        let (chat, user) = (input.path.id, input.body.userId)
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state -> (ChatMembership?, Int) in
            guard state.listening, let entry = state.entries[chat], entry.expires > now, entry.membership.joinedAt(user) != nil else {
                return (nil, state.generation)
            }
            return (entry.membership, state.generation)
        }
        if let cached { return APIResponse(cached) }
        let answer = try await chats.member(input, context: context)
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[chat] = Entry(membership: answer.body, expires: now + lifetime)
        }
        return answer
    }

    func userChats(_ input: ChatsInternal.UserChats.Input, context: APIContext) async throws -> APIResponse<UserChats> {
        try await chats.userChats(input, context: context)
    }

    func messagesStored(_ input: ChatsInternal.MessagesStored.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await chats.messagesStored(input, context: context)
    }

    func messageEdited(_ input: ChatsInternal.MessageEdited.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await chats.messageEdited(input, context: context)
    }

    func messageDeleted(_ input: ChatsInternal.MessageDeleted.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await chats.messageDeleted(input, context: context)
    }

    func read(_ input: ChatsInternal.Read.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await chats.read(input, context: context)
    }

    func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for try await message in subscription().cancelOnGracefulShutdown() {
                    if let chat = ObjectId(String(decoding: message.payload, as: UTF8.self)) { evict(chat) }
                    backoff = .milliseconds(100)
                }
            } catch {
                logger.warning("membership cache lost the event bus, resubscribing", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
            stopListening()
        }
    }

    /// The ids of changed chats, with the cache emptied and opened each time the subscription is confirmed: what was
    /// announced before then may have been missed.
    private func subscription() -> AsyncThrowingStream<BusMessage, Error> {
        let channels = [BusEventPublisher.chatsChanged]
        guard let redis = bus as? RedisEventBus else {
            let stream = bus.subscribe(channels)
            startListening()
            return stream
        }
        return redis.subscribe(channels) { [weak self] in self?.startListening() }
    }

    private func startListening() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
            state.listening = true
        }
    }

    private func stopListening() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
            state.listening = false
        }
    }

    /// The entry kept for `chat`, expired or not.
    func cached(_ chat: ObjectId) -> ChatMembership? { state.withLock { $0.entries[chat]?.membership } }

    private func evict(_ chat: ObjectId) {
        state.withLock { state in
            state.entries[chat] = nil
            state.generation += 1
        }
    }
}
