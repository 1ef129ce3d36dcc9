import Foundation
public import ParleyAPI
import ParleyStore
import ServiceKit

/// What other services ask of the chats service, which alone writes chats and their members' state.
extension ChatsService: ChatsInternalAPI {
    public func userChats(_ input: ChatsInternal.UserChats.Input, context: APIContext) async throws -> APIResponse<UserChats> {
        let user = input.body.userId
        return APIResponse(
            UserChats(chatIds: try await store.chats.chatIds(userId: user), directPartners: try await store.chats.directPartners(userId: user))
        )
    }

    public func member(_ input: ChatsInternal.Member.Input, context: APIContext) async throws -> APIResponse<ChatMembership> {
        APIResponse(try await store.chats.find(id: input.path.id, member: input.body.userId).membership)
    }

    public func messagesStored(_ input: ChatsInternal.MessagesStored.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await store.chats.recordMessages(input.body.messages.map { RecordedMessage(chatId: $0.chatId, LastMessageRecord($0.message)) })
        return APIResponse(SuccessResponse(success: true))
    }

    public func messageEdited(_ input: ChatsInternal.MessageEdited.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let message = LastMessageRecord(input.body)
        try await store.chats.replaceLastMessage(chatId: input.path.id, ifCurrent: message.messageId, with: message)
        try await store.chats.updatePreviews(chatId: input.path.id, showing: message)
        return APIResponse(SuccessResponse(success: true))
    }

    public func messageDeleted(_ input: ChatsInternal.MessageDeleted.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let body = input.body
        let deleted = LastMessageRecord(body.message)
        try await store.chats.uncount(chatId: input.path.id, message: deleted.key, sentBy: deleted.senderId, for: body.uncountFor)
        if let previews = body.previews, !previews.isEmpty {
            try await store.chats.setPreviews(
                chatId: input.path.id,
                Dictionary(
                    previews.map { ($0.userId, MemberPreviewRecord(replaces: $0.replaces, message: $0.message.map(LastMessageRecord.init))) },
                    uniquingKeysWith: { _, last in last }
                )
            )
        }
        if body.forEveryone {
            // The chat list's preview falls back to the newest message still there.
            try await store.chats.replaceLastMessage(
                chatId: input.path.id,
                ifCurrent: deleted.messageId,
                with: body.previous.map(LastMessageRecord.init)
            )
            if let chat = try await store.chats.find(id: input.path.id) { try await announce(chat) }
        } else if let chat = try await store.chats.find(id: input.path.id) {
            await events.publish(.chatUpdated(try await views.view(chat, for: body.userId)), to: [.user(body.userId)])
        }
        return APIResponse(SuccessResponse(success: true))
    }

    public func read(_ input: ChatsInternal.Read.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let body = input.body
        try await store.chats.markRead(chatId: input.path.id, userId: body.userId, upTo: MessageKey(createdAt: body.createdAt, id: body.messageId))
        return APIResponse(SuccessResponse(success: true))
    }
}
