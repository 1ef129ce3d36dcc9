public import Foundation
public import ParleyAPI
public import ParleyStore

extension ChatRecord {
    /// What the messages service needs of the chat: its kind, title and who is in it since when.
    public var membership: ChatMembership {
        ChatMembership(
            id: id,
            type: kind == .direct ? .direct : .group,
            title: title,
            members: participants.map { ChatMember(userId: $0, joinedAt: joinedAt[$0] ?? createdAt) }
        )
    }
}

extension ChatMembership {
    public var participants: [ObjectId] { members.map(\.userId) }

    /// Whether `user` sees `message` here: a member who joined before it was sent, and it is not deleted for them.
    public func shows(_ message: MessageRecord, to user: ObjectId) -> Bool {
        guard message.chatId == id, message.isVisible(to: user), let joined = joinedAt(user) else { return false }
        return message.createdAt >= joined
    }

    public func joinedAt(_ user: ObjectId) -> Date? { members.first { $0.userId == user }?.joinedAt }
}

extension LastMessageRecord {
    public init(_ ref: LastMessageRef) {
        self.init(messageId: ref.messageId, body: ref.body, senderId: ref.senderId, createdAt: ref.createdAt)
    }

    public var ref: LastMessageRef { LastMessageRef(messageId: messageId, body: body, senderId: senderId, createdAt: createdAt) }
    public var key: MessageKey { MessageKey(createdAt: createdAt, id: messageId) }
}

extension ChatsInternalAPI {
    /// The chat when `user` is in it; 404 otherwise.
    public func chat(_ id: ObjectId, member user: ObjectId, context: APIContext) async throws -> ChatMembership {
        try await member(.init(path: .init(id: id), body: UserIdRequest(userId: user)), context: context).body
    }

    /// The chat when `user` is in it, nil otherwise; other failures (the service is down) are thrown.
    public func chatIfMember(_ id: ObjectId, _ user: ObjectId, context: APIContext) async throws -> ChatMembership? {
        do {
            return try await chat(id, member: user, context: context)
        } catch let error as APIError where error.status == .notFound {
            return nil
        }
    }
}
