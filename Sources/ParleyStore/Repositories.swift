public import Foundation
public import ParleyCore

// The queries the services need, one protocol per collection. Every store implements all of them with the
// same behaviour; `StoreContractTests` holds them to it.

public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A unique key is taken: `username`, `email`, `directKey`, `tempId`, `endpoint`, `member`.
    case duplicate(key: String)
    /// The engine could not be reached or failed; the message is for logs, never for clients.
    case unavailable(String)
    /// Stored data could not be read back.
    case corrupt(String)

    public var description: String {
        switch self {
        case .duplicate(let key): "duplicate \(key)"
        case .unavailable(let message): "store unavailable: \(message)"
        case .corrupt(let message): "stored data unreadable: \(message)"
        }
    }
}

public protocol UserRepository: Sendable {
    /// Throws `.duplicate(key: "username" | "email")`.
    func insert(_ user: UserRecord) async throws
    func find(id: ObjectId) async throws -> UserRecord?
    func find(ids: [ObjectId]) async throws -> [UserRecord]
    func updateProfile(id: ObjectId, _ changes: ProfileChanges, at date: Date) async throws -> UserRecord?
    /// Never moves it back: a late or repeated call changes nothing.
    func setLastSeen(id: ObjectId, _ date: Date) async throws
    func block(userId: ObjectId, target: ObjectId) async throws
    func unblock(userId: ObjectId, target: ObjectId) async throws
    /// How `others` stand to `user`: which of them are users, which `user` blocked, which blocked `user`.
    func relations(of user: ObjectId, to others: [ObjectId]) async throws -> UserRelations
    /// Users whose username or a word of whose name starts with `prefix` (case-insensitive), ordered by
    /// username, without `viewer`, users `viewer` blocked, and users who blocked `viewer`.
    func search(prefix: String, viewer: ObjectId, limit: Int) async throws -> [UserRecord]
}

public protocol CredentialRepository: Sendable {
    /// Throws `.duplicate(key: "email")`.
    func insert(_ credential: CredentialRecord) async throws
    func find(userId: ObjectId) async throws -> CredentialRecord?
    /// Compares without regard to case.
    func find(email: String) async throws -> CredentialRecord?
    func setPasswordHash(userId: ObjectId, _ hash: String, at date: Date) async throws
    /// Removes the credential of a registration that did not go through.
    func delete(userId: ObjectId) async throws
}

public protocol SessionRepository: Sendable {
    func insert(_ session: SessionRecord) async throws
    func find(tokenHash: String) async throws -> SessionMatch?
    /// Replaces the session's token if it is still `old`; false when another refresh won the race.
    func rotate(sessionId: ObjectId, from old: String, to new: String, expiresAt: Date) async throws -> Bool
    func delete(id: ObjectId) async throws
    func deleteAll(userId: ObjectId) async throws
    /// Also expired password reset tokens; `serve` calls it hourly.
    func deleteExpired(before date: Date) async throws
}

public protocol PasswordResetRepository: Sendable {
    func insert(_ token: PasswordResetRecord) async throws
    /// The user of an unused, unexpired token, which is used up by this call together with every other outstanding
    /// token of that user; nil otherwise.
    func consume(tokenHash: String, at date: Date) async throws -> ObjectId?
}

public protocol ChatRepository: Sendable {
    /// Throws `.duplicate(key: "directKey")` when the direct chat exists.
    func insert(_ chat: ChatRecord) async throws
    func find(id: ObjectId) async throws -> ChatRecord?
    func findDirect(key: String) async throws -> ChatRecord?
    /// The user's chats, pinned first, then by `updatedAt` and id, newest first, strictly after `cursor`.
    func list(userId: ObjectId, archived: Bool, limit: Int, after cursor: ChatListKey?) async throws -> [ChatListing]
    func chatIds(userId: ObjectId) async throws -> [ObjectId]
    /// The other member of each of the user's direct chats: who sees the user's presence.
    func directPartners(userId: ObjectId) async throws -> [ObjectId]
    func memberState(chatId: ObjectId, userId: ObjectId) async throws -> ChatMemberState?
    /// Every member's state, in one query.
    func memberStates(chatId: ObjectId) async throws -> [ObjectId: ChatMemberState]
    func update(id: ObjectId, title: String?, avatarUrl: String?, at date: Date) async throws -> ChatRecord?
    /// Appends a participant who joins at `date`; throws `.duplicate(key: "member")` when they are one already (also when two
    /// requests add them at once: exactly one succeeds).
    func addMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord?
    /// Removes a participant and their admin role.
    func removeMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord?
    func setAdmins(chatId: ObjectId, _ admins: [ObjectId], at date: Date) async throws -> ChatRecord?
    func setPinned(chatId: ObjectId, userId: ObjectId, _ pinned: Bool) async throws
    func setArchived(chatId: ObjectId, userId: ObjectId, _ archived: Bool) async throws
    /// New messages, each in its chat: one more unread for every member but its sender, whose read position moves up
    /// to it (as `markRead`); the latest message unless a newer one is already recorded, and `updatedAt` bumped.
    /// Recording one again changes nothing.
    func recordMessages(_ messages: [RecordedMessage]) async throws
    /// Replaces the recorded latest message while it is still `messageId` (after an edit, or with the one
    /// before it after a deletion; nil clears it). No change when a newer message has been recorded since.
    func replaceLastMessage(chatId: ObjectId, ifCurrent messageId: ObjectId, with message: LastMessageRecord?) async throws
    /// Moves the user's read position forward (never back) and recounts their unread messages: those after the
    /// position, which costs what the user has left unread, never the chat's history.
    func markRead(chatId: ObjectId, userId: ObjectId, upTo key: MessageKey) async throws
    /// A message deleted for `users` (for themselves, or for everyone) leaves the unread counts of those it counted in:
    /// members other than its sender who joined before it and had not read that far.
    func uncount(chatId: ObjectId, message key: MessageKey, sentBy senderId: ObjectId, for users: [ObjectId]) async throws
    /// Sets what each of these members sees instead of the latest message they hid (members no longer in the chat are
    /// skipped).
    func setPreviews(chatId: ObjectId, _ previews: [ObjectId: MemberPreviewRecord]) async throws
    /// After an edit: the members' previews that show `message`'s id show its new text.
    func updatePreviews(chatId: ObjectId, showing message: LastMessageRecord) async throws
}

public protocol MessageRepository: Sendable {
    /// Throws `.duplicate(key: "tempId")` when the sender already sent this tempId.
    func insert(_ message: MessageRecord) async throws
    func find(id: ObjectId) async throws -> MessageRecord?
    func find(senderId: ObjectId, tempId: String) async throws -> MessageRecord?
    func find(ids: [ObjectId]) async throws -> [MessageRecord]
    /// Newest first, strictly before `cursor` and not before `since`, without messages deleted for `viewer` or for everyone.
    func page(chatId: ObjectId, viewer: ObjectId, since: Date?, limit: Int, before cursor: MessageKey?) async throws -> [MessageRecord]
    func edit(id: ObjectId, body: String, at date: Date) async throws -> MessageRecord?
    func hide(id: ObjectId, for userId: ObjectId) async throws
    func deleteForEveryone(id: ObjectId) async throws
    /// One reaction per user; nil removes it.
    func setReaction(id: ObjectId, userId: ObjectId, emoji: String?, at date: Date) async throws -> MessageRecord?
    /// Records that each message reached its user (a sender's own messages excepted), in one unit of work; returns
    /// the messages that reached someone new, as they are after the change.
    func markDelivered(_ deliveries: [MessageDelivery]) async throws -> [MessageRecord]
    /// Adds the reader; returns the messages as they are after the change.
    func markRead(ids: [ObjectId], by userId: ObjectId) async throws -> [MessageRecord]
    func setStatus(ids: [ObjectId], _ status: DeliveryStatus) async throws
    /// Those of `ids` that `userId` deleted for themselves.
    func hidden(among ids: [ObjectId], for userId: ObjectId) async throws -> Set<ObjectId>
}

public protocol MediaRepository: Sendable {
    func insert(_ media: MediaRecord) async throws
    func find(id: ObjectId) async throws -> MediaRecord?
    /// Records that the file arrived; false when it had already been (an upload is accepted once).
    func markUploaded(id: ObjectId, at date: Date) async throws -> Bool
}

public protocol PushSubscriptionRepository: Sendable {
    /// Stores the subscription; an endpoint already known moves to this user with the new keys.
    func upsert(_ subscription: PushSubscriptionRecord) async throws
    func find(userId: ObjectId) async throws -> [PushSubscriptionRecord]
    /// Removes the subscription with `endpoint`; only when `userId` owns it, if given.
    func delete(endpoint: String, ownedBy userId: ObjectId?) async throws
}

// MARK: - Each service's view

// A service is given only its own repositories, so that the compiler refuses a read of another service's data: what
// it needs from another service it asks through that service's internal routes.

/// Credentials, sessions and reset tokens.
public protocol AuthStore: Sendable {
    var credentials: any CredentialRepository { get }
    var sessions: any SessionRepository { get }
    var passwordResets: any PasswordResetRepository { get }
}

/// Profiles and blocks.
public protocol UsersStore: Sendable {
    var users: any UserRepository { get }
}

/// Chats and each member's state, the previews a member sees among it.
public protocol ChatsStore: Sendable {
    var chats: any ChatRepository { get }
}

/// Messages.
public protocol MessagesStore: Sendable {
    var messages: any MessageRepository { get }
}

public protocol MediaStore: Sendable {
    var media: any MediaRepository { get }
}

public protocol NotificationsStore: Sendable {
    var pushSubscriptions: any PushSubscriptionRepository { get }
}

/// A store: every repository over one engine, and so every service's view.
public protocol Store: AuthStore, UsersStore, ChatsStore, MessagesStore, MediaStore, NotificationsStore {

    /// Creates tables or collections and indexes; idempotent.
    func migrate() async throws
    /// Whether the engine answers (for `/readyz`).
    func ping() async throws
    func close() async
}
