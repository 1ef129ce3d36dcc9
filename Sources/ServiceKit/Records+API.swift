import Foundation
public import ParleyAPI
public import ParleyStore

// Records as the contract shows them: never a password hash, contacts, blocked list or deletedFor.

extension UserRecord {
    public var publicUser: User {
        User(id: id, username: username, name: name, avatarUrl: avatarUrl, about: about, lastSeen: lastSeen, createdAt: createdAt)
    }

    public var me: Me {
        Me(id: id, username: username, name: name, avatarUrl: avatarUrl, about: about, lastSeen: lastSeen, createdAt: createdAt, email: email)
    }
}

extension ChatRecord {
    /// The chat as `viewer` sees it: their pin, archive and unread count.
    public func api(state: ChatMemberState) -> Chat {
        Chat(
            id: id,
            type: kind == .direct ? .direct : .group,
            participants: participants,
            admins: admins,
            title: title,
            avatarUrl: avatarUrl,
            lastMessageRef: lastMessage?.ref,
            pinned: state.pinned,
            archived: state.archived,
            unreadCount: state.unreadCount,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }
}

extension MessageRecord {
    /// The message for `viewer` (nil: a copy for everyone); only the sender's copy carries the tempId.
    public func api(for viewer: ObjectId?) -> Message {
        Message(
            id: id,
            chatId: chatId,
            senderId: senderId,
            body: body,
            media: media?.api,
            replyTo: replyTo.map { ReplyTo(messageId: $0.messageId, body: $0.body, senderId: $0.senderId) },
            reactions: reactions.map { Reaction(userId: $0.userId, emoji: $0.emoji, createdAt: $0.createdAt) },
            status: MessageStatus(rawValue: status.rawValue) ?? .sent,
            tempId: viewer == senderId ? tempId : nil,
            createdAt: createdAt,
            editedAt: editedAt
        )
    }
}

extension MessageMediaRecord {
    /// The attachment as another service answered it.
    public init(_ media: MessageMedia) {
        self.init(
            kind: MediaKind(rawValue: media.type.rawValue) ?? .document,
            url: media.url,
            mediaId: media.mediaId,
            duration: media.duration,
            thumbnailUrl: media.thumbnailUrl
        )
    }

    public var api: MessageMedia {
        MessageMedia(
            type: MediaType(rawValue: kind.rawValue) ?? .document,
            url: url,
            mediaId: mediaId,
            duration: duration,
            thumbnailUrl: thumbnailUrl
        )
    }
}

extension MessageRecord {
    /// The chat list's preview of this message.
    public var lastMessage: LastMessageRecord { LastMessageRecord(messageId: id, body: body, senderId: senderId, createdAt: createdAt) }
}

extension ChatRepository {
    /// The chat when `user` is in it; 404 otherwise, so that strangers learn nothing about it.
    public func find(id: ObjectId, member user: ObjectId) async throws -> ChatRecord {
        guard let chat = try await find(id: id), chat.participants.contains(user) else { throw APIError.notFound("No such chat") }
        return chat
    }
}
