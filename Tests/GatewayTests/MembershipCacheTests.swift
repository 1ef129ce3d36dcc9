import Coordination
import Foundation
import Logging
import ParleyAPI
import Synchronization
import Testing

@testable import Gateway

/// A chats service that answers membership from a table it can be told to change, and counts the questions.
final class MembershipTable: ChatsInternalStub {
    private let state = Mutex((members: [ObjectId: [ObjectId]](), asked: 0))

    func set(_ chat: ObjectId, _ members: [ObjectId]) { state.withLock { $0.members[chat] = members } }
    var asked: Int { state.withLock { $0.asked } }

    func member(_ input: ChatsInternal.Member.Input, context: APIContext) async throws -> APIResponse<ChatMembership> {
        let members = state.withLock { state in
            state.asked += 1
            return state.members[input.path.id] ?? []
        }
        guard members.contains(input.body.userId) else { throw APIError.notFound("No such chat") }
        let joined = Date(timeIntervalSince1970: 0)
        return APIResponse(
            ChatMembership(id: input.path.id, type: .group, title: "g", members: members.map { ChatMember(userId: $0, joinedAt: joined) })
        )
    }
}

@Suite(.timeLimit(.minutes(1))) struct MembershipCacheTests {
    let context = APIContext(requestID: "test", logger: Logger(label: "test"))
    let chat = ObjectId()
    let alice = ObjectId()
    let bob = ObjectId()
    let carol = ObjectId()

    func isMember(_ cache: MembershipCache, _ user: ObjectId) async throws -> Bool {
        do {
            _ = try await cache.member(.init(path: .init(id: chat), body: UserIdRequest(userId: user)), context: context)
            return true
        } catch let error as APIError where error.status == .notFound {
            return false
        }
    }

    /// A cache over `table` listening on `bus`, and the task that runs it (to cancel at the end).
    func listening(
        _ table: MembershipTable,
        bus: InProcessEventBus,
        lifetime: Duration = .seconds(60)
    ) async -> (MembershipCache, Task<Void, any Error>) {
        let cache = MembershipCache(chats: table, bus: bus, lifetime: lifetime, logger: Logger(label: "test"))
        let running = Task { try await cache.run() }
        while bus.subscriberCount(BusEventPublisher.chatsChanged) == 0 { await Task.yield() }
        return (cache, running)
    }

    /// What the chats service publishes when a chat's members change.
    func announce(of chat: ObjectId? = nil, on bus: InProcessEventBus) async {
        await BusEventPublisher(bus: bus, logger: Logger(label: "test")).membersChanged(chatId: chat ?? self.chat)
    }

    @Test func answersMembersFromTheCacheUntilTheChatIsAnnouncedChanged() async throws {
        let table = MembershipTable()
        table.set(chat, [alice, bob])
        let bus = InProcessEventBus()
        let (cache, running) = await listening(table, bus: bus)
        defer { running.cancel() }
        #expect(try await isMember(cache, alice))
        #expect(try await isMember(cache, bob))
        #expect(try await isMember(cache, alice))
        #expect(table.asked == 1)

        // Bob is removed: the announcement drops the entry.
        table.set(chat, [alice])
        await announce(on: bus)
        while cache.cached(chat) != nil { await Task.yield() }
        #expect(try await isMember(cache, bob) == false)
        #expect(try await isMember(cache, alice))
        #expect(table.asked == 3)

        // Someone not among the cached members is always asked about: an addition counts at once.
        table.set(chat, [alice, carol])
        #expect(try await isMember(cache, carol))
        #expect(table.asked == 4)
    }

    @Test func otherEventsKeepTheEntry() async throws {
        let table = MembershipTable()
        let other = ObjectId()
        table.set(chat, [alice, bob])
        table.set(other, [alice])
        let bus = InProcessEventBus()
        let (cache, running) = await listening(table, bus: bus)
        defer { running.cancel() }
        #expect(try await isMember(cache, alice))
        _ = try await cache.member(.init(path: .init(id: other), body: UserIdRequest(userId: alice)), context: context)
        // A new title is no change of members.
        let renamed = Chat(
            id: chat,
            type: .group,
            participants: [alice, bob],
            admins: [alice],
            title: "renamed",
            pinned: false,
            archived: false,
            unreadCount: 0,
            createdAt: Date(),
            updatedAt: Date()
        )
        await BusEventPublisher(bus: bus, logger: Logger(label: "test")).publish(.chatUpdated(renamed), to: [.user(alice), .user(bob)])
        await announce(of: other, on: bus)
        while cache.cached(other) != nil { await Task.yield() }
        #expect(cache.cached(chat) != nil)
        #expect(try await isMember(cache, bob))
        #expect(table.asked == 2)
    }

    @Test func entriesExpire() async throws {
        let table = MembershipTable()
        table.set(chat, [alice, bob])
        let (cache, running) = await listening(table, bus: InProcessEventBus(), lifetime: .milliseconds(50))
        defer { running.cancel() }
        #expect(try await isMember(cache, alice))
        try await Task.sleep(for: .milliseconds(60))
        table.set(chat, [bob])
        #expect(try await isMember(cache, alice) == false)
        #expect(table.asked == 2)
    }

    @Test func keepsNothingWhileNotListening() async throws {
        let table = MembershipTable()
        table.set(chat, [alice])
        let cache = MembershipCache(chats: table, bus: InProcessEventBus(), logger: Logger(label: "test"))
        #expect(try await isMember(cache, alice))
        #expect(try await isMember(cache, alice))
        #expect(table.asked == 2)
    }
}
