public import Foundation
public import ParleyCore

// What the store keeps, as the services need it: richer than the public shapes (password hashes, per-user
// chat state, delivery and deletion state), and independent of any engine.

public struct UserRecord: Sendable, Hashable {
    public var id: ObjectId
    /// Unique; the schema already limits it to lowercase.
    public var username: String
    /// As the user typed it; unique without regard to case. The auth service logs in with its own copy.
    public var email: String
    public var name: String
    public var avatarUrl: String?
    public var about: String?
    public var contacts: [ObjectId]
    public var blocked: [ObjectId]
    public var lastSeen: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: ObjectId = ObjectId(),
        username: String,
        email: String,
        name: String,
        avatarUrl: String? = nil,
        about: String? = nil,
        contacts: [ObjectId] = [],
        blocked: [ObjectId] = [],
        lastSeen: Date? = nil,
        createdAt: Date = Date(),
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.name = name
        self.avatarUrl = avatarUrl
        self.about = about
        self.contacts = contacts
        self.blocked = blocked
        self.lastSeen = lastSeen
        self.createdAt = createdAt.storePrecision
        self.updatedAt = (updatedAt ?? createdAt).storePrecision
    }

    /// Lowercased username and name words: what user search matches prefixes of.
    public var searchTerms: [String] { UserRecord.searchTerms(username: username, name: name) }

    public static func searchTerms(username: String, name: String) -> [String] {
        var terms = [username.lowercased()]
        for word in name.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "-" }) where !terms.contains(String(word)) {
            terms.append(String(word))
        }
        return terms
    }
}

/// How some users stand to one: each set is a subset of the users asked about.
public struct UserRelations: Sendable, Hashable {
    public var known: Set<ObjectId>
    public var blocking: Set<ObjectId>
    public var blockedBy: Set<ObjectId>

    public init(known: Set<ObjectId> = [], blocking: Set<ObjectId> = [], blockedBy: Set<ObjectId> = []) {
        self.known = known
        self.blocking = blocking
        self.blockedBy = blockedBy
    }
}

/// Fields of a profile update; nil leaves a field as it is.
public struct ProfileChanges: Sendable, Hashable {
    public var name: String?
    public var avatarUrl: String?
    public var about: String?
    public init(name: String? = nil, avatarUrl: String? = nil, about: String? = nil) {
        self.name = name
        self.avatarUrl = avatarUrl
        self.about = about
    }
}

/// How a user signs in: the auth service's record, apart from the profile the users service keeps.
public struct CredentialRecord: Sendable, Hashable {
    public var userId: ObjectId
    /// As the user typed it; unique without regard to case.
    public var email: String
    public var passwordHash: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(userId: ObjectId, email: String, passwordHash: String, createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.userId = userId
        self.email = email
        self.passwordHash = passwordHash
        self.createdAt = createdAt.storePrecision
        self.updatedAt = (updatedAt ?? createdAt).storePrecision
    }
}

/// One signed-in device: its current refresh token, stored only as a hash.
public struct SessionRecord: Sendable, Hashable {
    public var id: ObjectId
    public var userId: ObjectId
    public var refreshTokenHash: String
    public var userAgent: String
    public var ipAddress: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        id: ObjectId = ObjectId(),
        userId: ObjectId,
        refreshTokenHash: String,
        userAgent: String,
        ipAddress: String,
        createdAt: Date = Date(),
        expiresAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.refreshTokenHash = refreshTokenHash
        self.userAgent = userAgent
        self.ipAddress = ipAddress
        self.createdAt = createdAt.storePrecision
        self.expiresAt = expiresAt.storePrecision
    }
}

/// What a refresh token hash finds.
public enum SessionMatch: Sendable, Hashable {
    /// The session's current token.
    case current(SessionRecord)
    /// A token this session has already rotated away from: a replay.
    case rotated(SessionRecord)
}

public struct PasswordResetRecord: Sendable, Hashable {
    public var tokenHash: String
    public var userId: ObjectId
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userId: ObjectId, createdAt: Date = Date(), expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userId = userId
        self.createdAt = createdAt.storePrecision
        self.expiresAt = expiresAt.storePrecision
    }
}

public enum ChatKind: String, Sendable, Hashable {
    case direct, group
}

/// The chat list's preview of the latest message.
public struct LastMessageRecord: Sendable, Hashable {
    public var messageId: ObjectId
    public var body: String
    public var senderId: ObjectId
    public var createdAt: Date
    public init(messageId: ObjectId, body: String, senderId: ObjectId, createdAt: Date) {
        self.messageId = messageId
        self.body = body
        self.senderId = senderId
        self.createdAt = createdAt.storePrecision
    }
}

/// A message to record in its chat (`ChatRepository.recordMessages`).
public struct RecordedMessage: Sendable, Hashable {
    public var chatId: ObjectId
    public var message: LastMessageRecord
    public init(chatId: ObjectId, _ message: LastMessageRecord) {
        self.chatId = chatId
        self.message = message
    }
}

public struct ChatRecord: Sendable, Hashable {
    public var id: ObjectId
    public var kind: ChatKind
    /// In joining order, oldest first.
    public var participants: [ObjectId]
    public var admins: [ObjectId]
    public var title: String?
    public var avatarUrl: String?
    public var lastMessage: LastMessageRecord?
    public var createdAt: Date
    public var updatedAt: Date
    /// When each participant (last) joined: as in WhatsApp, a member sees the messages from then on, never what was
    /// said before they were added or while they were out.
    public var joinedAt: [ObjectId: Date]

    /// `joinedAt` defaults to `createdAt` for every participant it does not name.
    public init(
        id: ObjectId = ObjectId(),
        kind: ChatKind,
        participants: [ObjectId],
        admins: [ObjectId] = [],
        title: String? = nil,
        avatarUrl: String? = nil,
        lastMessage: LastMessageRecord? = nil,
        createdAt: Date = Date(),
        updatedAt: Date? = nil,
        joinedAt: [ObjectId: Date] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.participants = participants
        self.admins = admins
        self.title = title
        self.avatarUrl = avatarUrl
        self.lastMessage = lastMessage
        self.createdAt = createdAt.storePrecision
        self.updatedAt = (updatedAt ?? createdAt).storePrecision
        self.joinedAt = Dictionary(uniqueKeysWithValues: participants.map { ($0, (joinedAt[$0] ?? createdAt).storePrecision) })
    }

    /// Whether `user` is a participant who may see `message`: it is not deleted for them and was sent since they joined.
    public func shows(_ message: MessageRecord, to user: ObjectId) -> Bool {
        guard message.chatId == id, message.isVisible(to: user), let joined = joinedAt[user] else { return false }
        return message.createdAt >= joined
    }

    /// For a direct chat, the same key whichever side creates it; unique, which makes creation idempotent.
    public var directKey: String? {
        guard kind == .direct, participants.count == 2 else { return nil }
        return participants.map(\.description).sorted().joined(separator: ":")
    }
}

/// One user's view of a chat.
public struct ChatMemberState: Sendable, Hashable {
    public var pinned: Bool
    public var archived: Bool
    /// The newest message this user has read.
    public var lastRead: MessageKey?
    /// Messages of others after `lastRead` (or since joining) that this user can see, kept as a counter so that
    /// reading it never counts the chat's history.
    public var unreadCount: Int
    /// What this user sees in the chat list instead of the chat's latest message, which they hid.
    public var preview: MemberPreviewRecord?

    public init(
        pinned: Bool = false,
        archived: Bool = false,
        lastRead: MessageKey? = nil,
        unreadCount: Int = 0,
        preview: MemberPreviewRecord? = nil
    ) {
        self.pinned = pinned
        self.archived = archived
        self.lastRead = lastRead
        self.unreadCount = unreadCount
        self.preview = preview
    }
}

/// The newest message a member can see, kept for while the chat's latest message is one they hid (deleted for
/// themselves): it stands in for `replaces` in their chat list, and means nothing once a newer message is the latest.
public struct MemberPreviewRecord: Sendable, Hashable {
    public var replaces: ObjectId
    /// Nil when the member sees no message of the chat at all.
    public var message: LastMessageRecord?

    public init(replaces: ObjectId, message: LastMessageRecord?) {
        self.replaces = replaces
        self.message = message
    }
}

public struct ChatListing: Sendable, Hashable {
    public var chat: ChatRecord
    public var state: ChatMemberState
    public init(chat: ChatRecord, state: ChatMemberState) {
        self.chat = chat
        self.state = state
    }
}

public enum MediaKind: String, Sendable, Hashable {
    case image, audio, document
}

public struct MessageMediaRecord: Sendable, Hashable {
    public var kind: MediaKind
    public var url: String
    public var mediaId: ObjectId
    public var duration: Double?
    public var thumbnailUrl: String?
    public init(kind: MediaKind, url: String, mediaId: ObjectId, duration: Double? = nil, thumbnailUrl: String? = nil) {
        self.kind = kind
        self.url = url
        self.mediaId = mediaId
        self.duration = duration
        self.thumbnailUrl = thumbnailUrl
    }
}

public struct ReplyRecord: Sendable, Hashable {
    public var messageId: ObjectId
    public var body: String
    public var senderId: ObjectId
    public init(messageId: ObjectId, body: String, senderId: ObjectId) {
        self.messageId = messageId
        self.body = body
        self.senderId = senderId
    }
}

public struct ReactionRecord: Sendable, Hashable {
    public var userId: ObjectId
    public var emoji: String
    public var createdAt: Date
    public init(userId: ObjectId, emoji: String, createdAt: Date) {
        self.userId = userId
        self.emoji = emoji
        self.createdAt = createdAt.storePrecision
    }
}

public enum DeliveryStatus: String, Sendable, Hashable, Comparable {
    case sent, delivered, read

    private var rank: Int { self == .sent ? 0 : self == .delivered ? 1 : 2 }
    public static func < (a: DeliveryStatus, b: DeliveryStatus) -> Bool { a.rank < b.rank }
}

/// A message that reached one of its recipients.
public struct MessageDelivery: Sendable, Hashable {
    public var messageId: ObjectId
    public var userId: ObjectId

    public init(messageId: ObjectId, userId: ObjectId) {
        self.messageId = messageId
        self.userId = userId
    }
}

public struct MessageRecord: Sendable, Hashable {
    public var id: ObjectId
    public var chatId: ObjectId
    public var senderId: ObjectId
    public var body: String
    public var media: MessageMediaRecord?
    public var replyTo: ReplyRecord?
    public var reactions: [ReactionRecord]
    /// For the sender: `read` once every recipient has read it.
    public var status: DeliveryStatus
    public var deliveredTo: [ObjectId]
    public var readBy: [ObjectId]
    public var deletedFor: [ObjectId]
    public var deletedForEveryone: Bool
    /// The sender's id for an optimistic send; (senderId, tempId) is unique.
    public var tempId: String?
    public var createdAt: Date
    public var editedAt: Date?

    public init(
        id: ObjectId = ObjectId(),
        chatId: ObjectId,
        senderId: ObjectId,
        body: String,
        media: MessageMediaRecord? = nil,
        replyTo: ReplyRecord? = nil,
        reactions: [ReactionRecord] = [],
        status: DeliveryStatus = .sent,
        deliveredTo: [ObjectId] = [],
        readBy: [ObjectId] = [],
        deletedFor: [ObjectId] = [],
        deletedForEveryone: Bool = false,
        tempId: String? = nil,
        createdAt: Date = Date(),
        editedAt: Date? = nil
    ) {
        self.id = id
        self.chatId = chatId
        self.senderId = senderId
        self.body = body
        self.media = media
        self.replyTo = replyTo
        self.reactions = reactions
        self.status = status
        self.deliveredTo = deliveredTo
        self.readBy = readBy
        self.deletedFor = deletedFor
        self.deletedForEveryone = deletedForEveryone
        self.tempId = tempId
        self.createdAt = createdAt.storePrecision
        self.editedAt = editedAt?.storePrecision
    }

    public var key: MessageKey { MessageKey(createdAt: createdAt, id: id) }

    /// Not deleted for `viewer` nor for everyone.
    public func isVisible(to viewer: ObjectId) -> Bool { !deletedForEveryone && !deletedFor.contains(viewer) }
}

public struct MediaRecord: Sendable, Hashable {
    public var id: ObjectId
    public var userId: ObjectId
    public var fileName: String
    public var fileType: String
    public var fileSize: Int
    public var storageKey: String
    public var url: String
    public var createdAt: Date
    /// When the file arrived; nil while the upload URL is still unused.
    public var uploadedAt: Date?

    public init(
        id: ObjectId = ObjectId(),
        userId: ObjectId,
        fileName: String,
        fileType: String,
        fileSize: Int,
        storageKey: String,
        url: String,
        createdAt: Date = Date(),
        uploadedAt: Date? = nil
    ) {
        self.id = id
        self.userId = userId
        self.fileName = fileName
        self.fileType = fileType
        self.fileSize = fileSize
        self.storageKey = storageKey
        self.url = url
        self.createdAt = createdAt.storePrecision
        self.uploadedAt = uploadedAt?.storePrecision
    }
}

public struct PushSubscriptionRecord: Sendable, Hashable {
    public var id: ObjectId
    public var userId: ObjectId
    /// Unique: a browser's push endpoint belongs to whoever subscribed with it last.
    public var endpoint: String
    public var p256dh: String
    public var auth: String
    public var userAgent: String?
    public var createdAt: Date

    public init(
        id: ObjectId = ObjectId(),
        userId: ObjectId,
        endpoint: String,
        p256dh: String,
        auth: String,
        userAgent: String? = nil,
        createdAt: Date = Date()
    ) {
        self.id = id
        self.userId = userId
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
        self.userAgent = userAgent
        self.createdAt = createdAt.storePrecision
    }
}
