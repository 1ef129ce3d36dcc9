public import Foundation
public import ParleyAPI
public import ParleyStore
public import ServiceKit

/// History, sending, edits, deletion, reactions and read receipts.
public struct MessagesService: MessagesAPI {
    static let deleteForEveryoneWindow: TimeInterval = 3600

    let store: any MessagesStore
    /// Membership, the chat's latest message, unread counts and read positions: the chats service's to say and write.
    let chats: any ChatsInternalAPI
    /// Who blocked whom: the users service's to say.
    let users: any UsersInternalAPI
    let events: any EventPublisher
    let media: any MediaAttachments
    let notifier: (any MessageNotifier)?
    let now: @Sendable () -> Date
    /// The chat's latest message, its members' unread counts and the sender's read position, several sends at once.
    let recorder: MessageRecorder

    public init(
        store: any MessagesStore,
        chats: any ChatsInternalAPI,
        users: any UsersInternalAPI,
        events: any EventPublisher,
        media: any MediaAttachments,
        notifier: (any MessageNotifier)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.chats = chats
        self.users = users
        self.events = events
        self.media = media
        self.notifier = notifier
        self.now = now
        recorder = MessageRecorder(chats: chats)
    }

    public func list(_ input: Messages.List.Input, context: APIContext) async throws -> APIResponse<MessagePage> {
        let me = input.caller.userId
        let chat = try await chats.chat(input.path.chatId, member: me, context: context)
        var cursor: MessageKey?
        if let text = input.query.cursor {
            guard let key = MessageKey(cursor: text) else { throw APIError.validation(path: "query.cursor", "is not a cursor this server issued") }
            cursor = key
        }
        let limit = input.query.limit
        let page = try await store.messages.page(chatId: chat.id, viewer: me, since: chat.joinedAt(me), limit: limit, before: cursor)
        let next = page.count == limit ? page.last?.key.cursor : nil
        return APIResponse(MessagePage(messages: page.map { $0.api(for: me) }, nextCursor: next))
    }

    public func send(_ input: Messages.Send.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        let (message, created) = try await MessageSending(
            store: store,
            chats: chats,
            users: users,
            events: events,
            media: media,
            notifier: notifier,
            now: now,
            recorder: recorder
        )
        .send(input.body, to: input.path.chatId, from: input.caller.userId, context: context)
        return APIResponse(MessageResponse(message: message.api(for: input.caller.userId)), status: created ? .created : .ok)
    }

    public func edit(_ input: Messages.Edit.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        let me = input.caller.userId
        let (message, chat) = try await visibleMessage(input.path.messageId, to: me, context: context)
        guard message.senderId == me else { throw APIError.forbidden("Only the sender can edit a message") }
        try await BlockCheck(users: users).ensureCanWrite(in: chat, as: me, context: context)
        guard let edited = try await store.messages.edit(id: message.id, body: input.body.body, at: now()) else {
            throw APIError.notFound("No such message")
        }
        _ = try await chats.messageEdited(.init(path: .init(id: chat.id), body: edited.lastMessage.ref), context: context)
        await events.publish(.messageEdit(edited.api(for: nil)), to: [.chat(chat.id)])
        return APIResponse(MessageResponse(message: edited.api(for: me)))
    }

    public func delete(_ input: Messages.Delete.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let me = input.caller.userId
        let (message, chat) = try await visibleMessage(input.path.messageId, to: me, context: context)
        let event = ServerEvent.messageDelete(MessageDeletedEvent(chatId: chat.id, messageId: message.id))
        if input.query.forEveryone {
            guard message.senderId == me else { throw APIError.forbidden("Only the sender can delete a message for everyone") }
            guard now().timeIntervalSince(message.createdAt) <= Self.deleteForEveryoneWindow else {
                throw APIError.forbidden("A message can be deleted for everyone only within an hour of sending")
            }
            try await store.messages.deleteForEveryone(id: message.id)
            // The chat list's preview falls back to the newest message still there.
            let previous = try await newest(in: chat.id)
            await events.publish(event, to: [.chat(chat.id)])
            let deletion = MessageDeletedRequest(
                message: message.lastMessage.ref,
                userId: me,
                forEveryone: true,
                uncountFor: chat.participants.filter { !message.deletedFor.contains($0) },
                previous: previous?.lastMessage.ref,
                previews: try await previews(in: chat, latest: previous, among: chat.participants)
            )
            _ = try await chats.messageDeleted(.init(path: .init(id: chat.id), body: deletion), context: context)
        } else {
            try await store.messages.hide(id: message.id, for: me)
            await events.publish(event, to: [.user(me)])
            let deletion = MessageDeletedRequest(
                message: message.lastMessage.ref,
                userId: me,
                forEveryone: false,
                uncountFor: [me],
                previews: try await previews(in: chat, latest: try await newest(in: chat.id), among: [me])
            )
            _ = try await chats.messageDeleted(.init(path: .init(id: chat.id), body: deletion), context: context)
        }
        return APIResponse(SuccessResponse(success: true))
    }

    /// The chat's newest message not deleted for everyone: its latest, as its list shows it.
    private func newest(in chat: ObjectId) async throws -> MessageRecord? {
        try await store.messages.page(chatId: chat, viewer: ObjectId(high: 0, low: 0), since: nil, limit: 1, before: nil).first
    }

    /// What each of `members` who deleted `latest` for themselves sees in its place in their chat list: the newest
    /// message they can see. The chats service keeps it with their state, so that a chat list reads no message.
    private func previews(in chat: ChatMembership, latest: MessageRecord?, among members: [ObjectId]) async throws -> [MemberPreview] {
        guard let latest else { return [] }
        var previews: [MemberPreview] = []
        for member in members where latest.deletedFor.contains(member) {
            let newest = try await store.messages.page(chatId: chat.id, viewer: member, since: chat.joinedAt(member), limit: 1, before: nil).first
            previews.append(MemberPreview(userId: member, replaces: latest.id, message: newest?.lastMessage.ref))
        }
        return previews
    }

    public func react(_ input: Messages.React.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        let me = input.caller.userId
        let emoji = input.body.emoji
        guard emoji.isEmpty || Emoji.isSingle(emoji) else { throw APIError.validation(path: "body.emoji", "must be one emoji, or \"\" to remove") }
        let (message, chat) = try await visibleMessage(input.path.messageId, to: me, context: context)
        try await BlockCheck(users: users).ensureCanWrite(in: chat, as: me, context: context)
        guard let updated = try await store.messages.setReaction(id: message.id, userId: me, emoji: emoji.isEmpty ? nil : emoji, at: now()) else {
            throw APIError.notFound("No such message")
        }
        await events.publish(.messageEdit(updated.api(for: nil)), to: [.chat(chat.id)])
        return APIResponse(MessageResponse(message: updated.api(for: me)))
    }

    public func markRead(_ input: Messages.MarkRead.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let me = input.caller.userId
        let (_, chat) = try await visibleMessage(input.path.messageId, to: me, context: context)
        try await ReadReceipts(store: store, chats: chats, events: events).markRead(input.body.messageIds, in: chat, by: me, context: context)
        return APIResponse(SuccessResponse(success: true))
    }

    /// A message the user can see, in a chat they are in; 404 for anything else.
    private func visibleMessage(_ id: ObjectId, to user: ObjectId, context: APIContext) async throws -> (MessageRecord, ChatMembership) {
        guard let message = try await store.messages.find(id: id),
            let chat = try await chats.chatIfMember(message.chatId, user, context: context), chat.shows(message, to: user)
        else { throw APIError.notFound("No such message") }
        return (message, chat)
    }
}

/// Sending: acknowledged only once stored.
struct MessageSending: Sendable {
    let store: any MessagesStore
    let chats: any ChatsInternalAPI
    let users: any UsersInternalAPI
    let events: any EventPublisher
    let media: any MediaAttachments
    let notifier: (any MessageNotifier)?
    let now: @Sendable () -> Date
    let recorder: MessageRecorder

    /// The stored message, and false when (sender, tempId) had already been sent: nothing new is stored.
    func send(
        _ request: SendMessageRequest,
        to chatId: ObjectId,
        from sender: ObjectId,
        context: APIContext
    ) async throws -> (MessageRecord, created: Bool) {
        let chat = try await chats.chat(chatId, member: sender, context: context)
        if let tempId = request.tempId, let earlier = try await earlierSend(tempId: tempId, from: sender, context: context) {
            return (earlier, false)
        }
        guard !request.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || request.mediaId != nil else {
            throw APIError.validation(path: "body.body", "must not be empty unless a mediaId is attached")
        }
        try await BlockCheck(users: users).ensureCanWrite(in: chat, as: sender, context: context)
        var attached: MessageMediaRecord?
        if let mediaId = request.mediaId { attached = try await media.attachment(mediaId, sender: sender) }
        var reply: ReplyRecord?
        if let replyId = request.replyToId {
            guard let original = try await store.messages.find(id: replyId), chat.shows(original, to: sender) else {
                throw APIError.validation(path: "body.replyToId", "is not a message of this chat")
            }
            reply = ReplyRecord(messageId: original.id, body: String(original.body.prefix(200)), senderId: original.senderId)
        }
        let message = MessageRecord(
            chatId: chat.id,
            senderId: sender,
            body: request.body,
            media: attached,
            replyTo: reply,
            tempId: request.tempId,
            createdAt: now()
        )
        do {
            try await store.messages.insert(message)
        } catch StoreError.duplicate(key: "tempId") {
            // The same send arrived twice at once; the first one stored is the answer.
            guard let tempId = request.tempId, let earlier = try await earlierSend(tempId: tempId, from: sender, context: context) else {
                throw APIError.conflict("tempId was already used")
            }
            return (earlier, false)
        }
        // Stored, so it goes out at once; the chat's record (latest message, unread counts) follows. A member who reads it
        // before that is not counted, and a send whose record fails is completed by its resend, which publishes nothing
        // again.
        await events.publish(.messageNew(message.api(for: sender)), to: [.user(sender)])
        await events.publish(.messageNew(message.api(for: nil)), to: [.chat(chat.id)], excluding: sender)
        try await recorder.record(message, context: context)
        notifier?.messageStored(message, in: chat)
        return (message, true)
    }

    /// The message an earlier send with this tempId stored, while the sender can still see it: a resend after the
    /// sender left that chat (even if added back since), or after the message was deleted, is a conflict instead of
    /// showing it again.
    ///
    /// The earlier send may have stored the message and failed before the chat recorded it (the chats service was
    /// down): recording it again completes that send, and changes nothing when it had been recorded.
    private func earlierSend(tempId: String, from sender: ObjectId, context: APIContext) async throws -> MessageRecord? {
        guard let earlier = try await store.messages.find(senderId: sender, tempId: tempId) else { return nil }
        guard let chat = try await chats.chatIfMember(earlier.chatId, sender, context: context), chat.shows(earlier, to: sender) else {
            throw APIError.conflict("tempId was already used for a message you can no longer see")
        }
        try await recorder.record(earlier, context: context)
        return earlier
    }
}

/// Blocking holds in a direct chat whoever blocked whom: neither side sends, edits or reacts there.
struct BlockCheck: Sendable {
    let users: any UsersInternalAPI

    func ensureCanWrite(in chat: ChatMembership, as user: ObjectId, context: APIContext) async throws {
        guard chat.type == .direct, let other = chat.participants.first(where: { $0 != user }) else { return }
        if try await users.relations(of: user, to: [other], context: context).anyBlocked {
            throw APIError.forbidden("You cannot message this user")
        }
    }
}

/// Read receipts in batches: the reader's position moves forward, and a message is `read` for its sender
/// once every other participant has read it.
struct ReadReceipts: Sendable {
    let store: any MessagesStore
    let chats: any ChatsInternalAPI
    let events: any EventPublisher

    func markRead(_ ids: [ObjectId], in chat: ChatMembership, by reader: ObjectId, context: APIContext) async throws {
        let messages = try await store.messages.find(ids: ids)
        guard messages.count == Set(ids).count, messages.allSatisfy({ chat.shows($0, to: reader) }) else {
            throw APIError.validation(path: "body.messageIds", "must all be messages of this chat")
        }
        let updated = try await store.messages.markRead(ids: messages.map(\.id), by: reader)
        var nowRead: [ObjectId] = []
        for message in updated where message.senderId != reader && message.status != .read {
            let recipients = chat.participants.filter { $0 != message.senderId }
            if recipients.allSatisfy(message.readBy.contains) { nowRead.append(message.id) }
        }
        if !nowRead.isEmpty { try await store.messages.setStatus(ids: nowRead, .read) }
        if let newest = messages.map(\.key).max() {
            let position = ReadUpToRequest(userId: reader, messageId: newest.id, createdAt: newest.createdAt)
            _ = try await chats.read(.init(path: .init(id: chat.id), body: position), context: context)
        }
        let receipt = ReceiptEvent(chatId: chat.id, messageIds: messages.map(\.id), userId: reader)
        await events.publish(.receiptRead(receipt), to: [.chat(chat.id)])
    }
}
