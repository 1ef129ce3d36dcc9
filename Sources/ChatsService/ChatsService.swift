public import Foundation
public import ParleyAPI
public import ParleyStore
public import ServiceKit

/// Direct and group chats, membership with admin rules, metadata, pin and archive.
public struct ChatsService: ChatsAPI {
    let store: any ChatsStore
    /// Who exists and who blocked whom: the users service's to say.
    let users: any UsersInternalAPI
    let events: any EventPublisher
    let now: @Sendable () -> Date

    public init(
        store: any ChatsStore,
        users: any UsersInternalAPI,
        events: any EventPublisher,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.users = users
        self.events = events
        self.now = now
    }

    var views: ChatViews { ChatViews(chats: store.chats) }

    public func create(_ input: Chats.Create.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        let (chat, created) = try await ChatCreation(store: store, users: users, now: now).create(
            input.body,
            by: input.caller.userId,
            context: context
        )
        if created { try await announce(chat) }
        return APIResponse(
            ChatResponse(chat: try await views.view(chat, for: input.caller.userId)),
            status: created ? .created : .ok
        )
    }

    public func list(_ input: Chats.List.Input, context: APIContext) async throws -> APIResponse<ChatListResponse> {
        var cursor: ChatListKey?
        if let text = input.query.cursor {
            guard let key = ChatListKey(cursor: text) else { throw APIError.validation(path: "query.cursor", "is not a cursor this server issued") }
            cursor = key
        }
        let limit = input.query.limit
        let me = input.caller.userId
        let listings = try await store.chats.list(userId: me, archived: input.query.archived, limit: limit, after: cursor)
        let chats = views.views(listings)
        let next =
            listings.count == limit
            ? listings.last.map { ChatListKey(pinned: $0.state.pinned, updatedAt: $0.chat.updatedAt, id: $0.chat.id).cursor } : nil
        return APIResponse(ChatListResponse(chats: chats, nextCursor: next))
    }

    public func get(_ input: Chats.Get.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        let chat = try await store.chats.find(id: input.path.id, member: input.caller.userId)
        return APIResponse(ChatResponse(chat: try await views.view(chat, for: input.caller.userId)))
    }

    public func update(_ input: Chats.Update.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        let chat = try await store.chats.find(id: input.path.id, member: input.caller.userId)
        guard chat.kind == .group else { throw APIError.validation(path: "params.id", "a direct chat has no title or avatar") }
        guard chat.admins.contains(input.caller.userId) else { throw APIError.forbidden("Only admins can change the group") }
        guard let updated = try await store.chats.update(id: chat.id, title: input.body.title, avatarUrl: input.body.avatarUrl, at: now()) else {
            throw APIError.notFound("No such chat")
        }
        try await announce(updated)
        return APIResponse(ChatResponse(chat: try await views.view(updated, for: input.caller.userId)))
    }

    public func addMember(_ input: Chats.AddMember.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        let chat = try await store.chats.find(id: input.path.id, member: input.caller.userId)
        guard chat.kind == .group else { throw APIError.validation(path: "params.id", "members cannot be added to a direct chat") }
        guard chat.admins.contains(input.caller.userId) else { throw APIError.forbidden("Only admins can add members") }
        let newcomer = input.body.userId
        guard !chat.participants.contains(newcomer) else { throw APIError.conflict("Already a member") }
        let relations = try await users.relations(of: input.caller.userId, to: [newcomer], context: context)
        guard relations.known == [newcomer] else { throw APIError.notFound("No such user") }
        guard !relations.anyBlocked else { throw APIError.forbidden("This user cannot be added") }
        let added: ChatRecord?
        do {
            added = try await store.chats.addMember(chatId: chat.id, userId: newcomer, at: now())
        } catch StoreError.duplicate(key: "member") {
            throw APIError.conflict("Already a member")
        }
        guard let updated = added else { throw APIError.notFound("No such chat") }
        await events.membersChanged(chatId: chat.id)
        try await announce(updated)
        return APIResponse(ChatResponse(chat: try await views.view(updated, for: input.caller.userId)))
    }

    public func removeMember(_ input: Chats.RemoveMember.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        let me = input.caller.userId
        let chat = try await store.chats.find(id: input.path.id, member: me)
        let target = input.path.userId
        guard chat.kind == .group else { throw APIError.validation(path: "params.id", "members cannot be removed from a direct chat") }
        guard target == me || chat.admins.contains(me) else { throw APIError.forbidden("Only admins can remove other members") }
        guard chat.participants.contains(target) else { throw APIError.notFound("Not a member") }
        guard var updated = try await store.chats.removeMember(chatId: chat.id, userId: target, at: now()) else {
            throw APIError.notFound("No such chat")
        }
        // A group is never left without an admin: the longest-standing member takes over.
        if updated.admins.isEmpty, let oldest = updated.participants.first,
            let promoted = try await store.chats.setAdmins(chatId: chat.id, [oldest], at: now())
        {
            updated = promoted
        }
        await events.membersChanged(chatId: chat.id)
        let outsiderView = updated.api(state: ChatMemberState())
        await events.publish(.chatUpdated(outsiderView), to: [.user(target)])
        try await announce(updated)
        return APIResponse(ChatResponse(chat: target == me ? outsiderView : try await views.view(updated, for: me)))
    }

    public func pin(_ input: Chats.Pin.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let chat = try await store.chats.find(id: input.path.id, member: input.caller.userId)
        try await store.chats.setPinned(chatId: chat.id, userId: input.caller.userId, input.body.pinned)
        return APIResponse(SuccessResponse(success: true))
    }

    public func archive(_ input: Chats.Archive.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let chat = try await store.chats.find(id: input.path.id, member: input.caller.userId)
        try await store.chats.setArchived(chatId: chat.id, userId: input.caller.userId, input.body.archived)
        return APIResponse(SuccessResponse(success: true))
    }

    /// Publishes the changed chat to each member, in their own view (pin, archive, unread count, preview).
    func announce(_ chat: ChatRecord) async throws {
        for (member, view) in try await views.memberViews(chat) {
            await events.publish(.chatUpdated(view), to: [.user(member)])
        }
    }
}

/// The rules for a new chat.
struct ChatCreation: Sendable {
    let store: any ChatsStore
    let users: any UsersInternalAPI
    let now: @Sendable () -> Date

    /// The chat, and whether it was created (false: the direct chat already existed).
    func create(_ request: CreateChatRequest, by creator: ObjectId, context: APIContext) async throws -> (ChatRecord, created: Bool) {
        var others: [ObjectId] = []
        for id in request.participantIds where id != creator && !others.contains(id) { others.append(id) }
        switch request.type {
        case .direct:
            guard others.count == 1, request.participantIds.count == 1 else {
                throw APIError.validation(path: "body.participantIds", "a direct chat needs exactly one other user")
            }
        case .group:
            // The schema's pattern has already refused a blank title.
            guard request.title != nil else {
                throw APIError.validation(path: "body.title", "a group needs a title")
            }
            guard !others.isEmpty else { throw APIError.validation(path: "body.participantIds", "a group needs at least one other user") }
        }
        let relations = try await users.relations(of: creator, to: others, context: context)
        guard relations.known.count == others.count else { throw APIError.notFound("No such user") }
        guard !relations.anyBlocked else { throw APIError.forbidden("You cannot start a chat with this user") }
        let date = now()
        let chat =
            request.type == .direct
            ? ChatRecord(kind: .direct, participants: [creator] + others, createdAt: date)
            : ChatRecord(
                kind: .group,
                participants: [creator] + others,
                admins: [creator],
                title: request.title,
                avatarUrl: request.avatarUrl,
                createdAt: date
            )
        if let key = chat.directKey, let existing = try await store.chats.findDirect(key: key) { return (existing, false) }
        do {
            try await store.chats.insert(chat)
            return (chat, true)
        } catch StoreError.duplicate(key: "directKey") {
            // Both users created it at once: the other request won.
            guard let key = chat.directKey, let existing = try await store.chats.findDirect(key: key) else { throw APIError.internal }
            return (existing, false)
        }
    }
}
