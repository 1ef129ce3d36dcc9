import Foundation
import ParleyAPI
import ParleyStore

/// Chats as their members see them: pin, archive and unread count from the member's state, and as the preview the
/// newest message the member can see, which is not the chat's latest when they deleted that one for themselves (the
/// messages service tells which, and it is kept with the member's state).
struct ChatViews: Sendable {
    let chats: any ChatRepository

    func view(_ chat: ChatRecord, for user: ObjectId) async throws -> Chat {
        Self.view(chat, state: try await chats.memberState(chatId: chat.id, userId: user) ?? ChatMemberState())
    }

    func views(_ listings: [ChatListing]) -> [Chat] { listings.map { Self.view($0.chat, state: $0.state) } }

    /// Every member's view, from one query of their states.
    func memberViews(_ chat: ChatRecord) async throws -> [(member: ObjectId, view: Chat)] {
        let states = try await chats.memberStates(chatId: chat.id)
        return chat.participants.map { member in (member, Self.view(chat, state: states[member] ?? ChatMemberState())) }
    }

    static func view(_ chat: ChatRecord, state: ChatMemberState) -> Chat {
        var own = chat
        if let preview = state.preview, preview.replaces == chat.lastMessage?.messageId { own.lastMessage = preview.message }
        return own.api(state: state)
    }
}
