import Foundation
import ParleyAPI
import ParleyStore

/// Chats as their members see them: pin, archive and unread count from the member's state, and as the preview
/// the newest message the member can see, which is not the chat's latest when they deleted that one for themselves.
struct ChatViews: Sendable {
    let chats: any ChatRepository
    let messages: any MessageRepository

    init(chats: any ChatRepository, messages: any MessageRepository) {
        self.chats = chats
        self.messages = messages
    }

    func view(_ chat: ChatRecord, for user: ObjectId) async throws -> Chat {
        let state = try await chats.memberState(chatId: chat.id, userId: user) ?? ChatMemberState()
        return try await views([ChatListing(chat: chat, state: state)], for: user).first ?? chat.api(state: state)
    }

    /// One query for the previews whatever the number of chats, and one more per chat whose latest message `user` deleted.
    func views(_ listings: [ChatListing], for user: ObjectId) async throws -> [Chat] {
        let hidden = try await messages.hidden(among: listings.compactMap(\.chat.lastMessage?.messageId), for: user)
        var views: [Chat] = []
        for listing in listings {
            var chat = listing.chat
            if let last = chat.lastMessage, hidden.contains(last.messageId) { chat.lastMessage = try await newestVisible(in: chat, to: user) }
            views.append(chat.api(state: listing.state))
        }
        return views
    }

    /// Every member's view, from one query of their states.
    func memberViews(_ chat: ChatRecord) async throws -> [(member: ObjectId, view: Chat)] {
        let states = try await chats.memberStates(chatId: chat.id)
        var hiders: [ObjectId] = []
        if let last = chat.lastMessage { hiders = try await messages.find(id: last.messageId)?.deletedFor ?? [] }
        var views: [(member: ObjectId, view: Chat)] = []
        for member in chat.participants {
            var own = chat
            if hiders.contains(member) { own.lastMessage = try await newestVisible(in: chat, to: member) }
            views.append((member, own.api(state: states[member] ?? ChatMemberState())))
        }
        return views
    }

    private func newestVisible(in chat: ChatRecord, to user: ObjectId) async throws -> LastMessageRecord? {
        try await messages.page(chatId: chat.id, viewer: user, since: chat.joinedAt[user], limit: 1, before: nil).first?.lastMessage
    }
}
