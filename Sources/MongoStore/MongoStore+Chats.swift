import Foundation
import ParleyCore
import ParleyStore

/// chats: `{_id, kind, directKey? (unique), participants: [id] (join order), admins: [id], title?, avatarUrl?,
/// lastMessage?: {messageId, body, senderId, createdAt}, createdAt, updatedAt, pinnedBy: [id], archivedBy: [id],
/// lastRead: {<user id hex>: {at, id}}, joinedAt: {<user id hex>: date}, unread: {<user id hex>: count}}`.
///
/// Each member's own state lives in the chat document: pin and archive as arrays of user ids, so that the
/// chat list is two plain indexed queries on `{participants, updatedAt, _id}` (pinned, then the rest); the
/// read position in a map keyed by the user's id, which moves forward with one conditional `$set`; the unread
/// counts in another, moved with `$inc`.
struct MongoChats: ChatRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.chats }

    static func document(_ chat: ChatRecord) -> Document {
        var document: Document = ["_id": chat.id.bson, "kind": chat.kind.rawValue.bson]
        if let directKey = chat.directKey { document["directKey"] = directKey.bson }
        document["participants"] = chat.participants.bson
        // Admins are members with the role, listed in join order (as the SQLite store reads them back).
        document["admins"] = chat.participants.filter(chat.admins.contains).bson
        if let title = chat.title { document["title"] = title.bson }
        if let avatarUrl = chat.avatarUrl { document["avatarUrl"] = avatarUrl.bson }
        if let lastMessage = chat.lastMessage { document["lastMessage"] = lastMessageDocument(lastMessage).bson }
        document["createdAt"] = chat.createdAt.bson
        document["updatedAt"] = chat.updatedAt.bson
        document["pinnedBy"] = .array([])
        document["archivedBy"] = .array([])
        document["lastRead"] = .document([:])
        document["unread"] = .document([:])
        document["joinedAt"] = .document(Document(chat.participants.map { ($0.description, (chat.joinedAt[$0] ?? chat.createdAt).bson) }))
        return document
    }

    static func lastMessageDocument(_ message: LastMessageRecord) -> Document {
        ["messageId": message.messageId.bson, "body": message.body.bson, "senderId": message.senderId.bson, "createdAt": message.createdAt.bson]
    }

    static func lastMessage(_ document: Document) throws -> LastMessageRecord {
        LastMessageRecord(
            messageId: try document.objectId("messageId"),
            body: try document.string("body"),
            senderId: try document.objectId("senderId"),
            createdAt: try document.date("createdAt")
        )
    }

    static func record(_ document: Document) throws -> ChatRecord {
        let lastMessage = try document.optionalDocument("lastMessage").map(Self.lastMessage)
        guard let kind = ChatKind(rawValue: try document.string("kind")) else { throw StoreError.corrupt("unknown chat kind") }
        let participants = try document.objectIds("participants")
        // Members from before joinedAt was recorded see the whole history, as they did.
        let joined = try document.optionalDocument("joinedAt")
        var joinedAt: [ObjectId: Date] = [:]
        for member in participants {
            joinedAt[member] = try joined?.optionalDate(member.description) ?? Date(millisecondsSince1970: Date.storableMilliseconds.lowerBound)
        }
        return ChatRecord(
            id: try document.objectId("_id"),
            kind: kind,
            participants: participants,
            admins: try document.objectIds("admins"),
            title: try document.optionalString("title"),
            avatarUrl: try document.optionalString("avatarUrl"),
            lastMessage: lastMessage,
            createdAt: try document.date("createdAt"),
            updatedAt: try document.date("updatedAt"),
            joinedAt: joinedAt
        )
    }

    /// The user's read position from the `lastRead` map of a chat document.
    static func readPosition(_ document: Document, of userId: ObjectId) throws -> MessageKey? {
        guard let read = try document.optionalDocument("lastRead")?.optionalDocument(userId.description) else { return nil }
        return MessageKey(createdAt: try read.date("at"), id: try read.objectId("id"))
    }

    static func state(_ document: Document, for userId: ObjectId) throws -> ChatMemberState {
        // A counter may dip below zero when a deletion races a read; the next read recounts it.
        let unread = try document.optionalDocument("unread")?.optionalInt(userId.description) ?? 0
        var preview: MemberPreviewRecord?
        if let own = try document.optionalDocument("previews")?.optionalDocument(userId.description) {
            preview = MemberPreviewRecord(replaces: try own.objectId("replaces"), message: try own.optionalDocument("message").map(Self.lastMessage))
        }
        return ChatMemberState(
            pinned: try document.objectIds("pinnedBy").contains(userId),
            archived: try document.objectIds("archivedBy").contains(userId),
            lastRead: try readPosition(document, of: userId),
            unreadCount: max(0, unread),
            preview: preview
        )
    }

    /// Those of `users` whom a message counts for (see `ChatRepository.uncount`), from a chat document with
    /// `joinedAt` and `lastRead`.
    static func counted(_ document: Document, _ key: MessageKey, sentBy senderId: ObjectId, among users: [ObjectId]) throws -> [ObjectId] {
        let joined = try document.optionalDocument("joinedAt")
        return try users.filter { user in
            guard user != senderId, let joinedAt = try joined?.optionalDate(user.description), joinedAt <= key.createdAt else { return false }
            return try readPosition(document, of: user).map { $0 < key } ?? true
        }
    }

    private static let countingFields: Document = ["participants": .int32(1), "joinedAt": .int32(1), "lastRead": .int32(1)]

    func insert(_ chat: ChatRecord) async throws {
        try await store.insert(collection, Self.document(chat))
    }

    func find(id: ObjectId) async throws -> ChatRecord? {
        try await findOne(["_id": id.bson])
    }

    func findDirect(key: String) async throws -> ChatRecord? {
        try await findOne(["directKey": key.bson])
    }

    private func findOne(_ filter: Document, function: StaticString = #function) async throws -> ChatRecord? {
        let collection = collection
        return try await store.run(function: function) { connection in try connection.findOne(collection, filter).map(Self.record) }
    }

    /// Pinned chats, then the others, each by `(updatedAt, _id)` descending, strictly after `cursor`.
    func list(userId: ObjectId, archived: Bool, limit: Int, after cursor: ChatListKey?) async throws -> [ChatListing] {
        guard limit > 0 else { return [] }
        let collection = collection
        return try await store.run { connection in
            var base: Document = ["participants": userId.bson]
            base["archivedBy"] = archived ? userId.bson : .document(["$ne": userId.bson])
            func section(pinned: Bool, after key: ChatListKey?, limit: Int) throws -> [Document] {
                var filter = base
                filter["pinnedBy"] = pinned ? userId.bson : .document(["$ne": userId.bson])
                if let key {
                    filter["updatedAt"] = .document(["$lte": key.updatedAt.bson])
                    filter["$or"] = .array([
                        .document(["updatedAt": .document(["$lt": key.updatedAt.bson])]),
                        .document(["updatedAt": key.updatedAt.bson, "_id": .document(["$lt": key.id.bson])]),
                    ])
                }
                return try connection.find(collection, filter, sort: ["updatedAt": .int32(-1), "_id": .int32(-1)], limit: limit)
            }
            var documents: [Document] = []
            if cursor?.pinned ?? true {
                documents = try section(pinned: true, after: cursor, limit: limit)
            }
            if documents.count < limit {
                documents += try section(pinned: false, after: cursor?.pinned == false ? cursor : nil, limit: limit - documents.count)
            }
            return try documents.map { ChatListing(chat: try Self.record($0), state: try Self.state($0, for: userId)) }
        }
    }

    func chatIds(userId: ObjectId) async throws -> [ObjectId] {
        let collection = collection
        return try await store.run { connection in
            try connection.find(collection, ["participants": userId.bson], sort: ["_id": .int32(1)], projection: ["_id": .int32(1)])
                .map { try $0.objectId("_id") }
        }
    }

    func directPartners(userId: ObjectId) async throws -> [ObjectId] {
        let collection = collection
        return try await store.run { connection in
            try connection.find(
                collection,
                ["participants": userId.bson, "kind": ChatKind.direct.rawValue.bson],
                sort: ["_id": .int32(1)],
                projection: ["participants": .int32(1)]
            ).flatMap { chat in try chat.objectIds("participants").filter { $0 != userId } }
        }
    }

    func memberState(chatId: ObjectId, userId: ObjectId) async throws -> ChatMemberState? {
        let collection = collection
        return try await store.run { connection in
            try connection.findOne(
                collection,
                ["_id": chatId.bson, "participants": userId.bson],
                projection: [
                    "pinnedBy": .int32(1), "archivedBy": .int32(1), "lastRead.\(userId)": .int32(1), "unread.\(userId)": .int32(1),
                    "previews.\(userId)": .int32(1),
                ]
            )
            .map { try Self.state($0, for: userId) }
        }
    }

    func memberStates(chatId: ObjectId) async throws -> [ObjectId: ChatMemberState] {
        let collection = collection
        return try await store.run { connection in
            guard
                let document = try connection.findOne(
                    collection,
                    ["_id": chatId.bson],
                    projection: [
                        "participants": .int32(1), "pinnedBy": .int32(1), "archivedBy": .int32(1), "lastRead": .int32(1), "unread": .int32(1),
                        "previews": .int32(1),
                    ]
                )
            else { return [:] }
            var states: [ObjectId: ChatMemberState] = [:]
            for member in try document.objectIds("participants") { states[member] = try Self.state(document, for: member) }
            return states
        }
    }

    func update(id: ObjectId, title: String?, avatarUrl: String?, at date: Date) async throws -> ChatRecord? {
        var set: Document = [:]
        if let title { set["title"] = title.bson }
        if let avatarUrl { set["avatarUrl"] = avatarUrl.bson }
        set["updatedAt"] = date.bson
        return try await modify(id, .document(["$set": .document(set)]))
    }

    func addMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord? {
        // Matching only while the user is absent makes concurrent adds race-free: one update wins.
        let collection = collection
        let added = try await store.run { connection in
            try connection.findAndModify(
                collection,
                ["_id": chatId.bson, "participants": .document(["$ne": userId.bson])],
                update: .document([
                    "$push": .document(["participants": userId.bson]),
                    "$set": .document(["joinedAt.\(userId)": date.bson, "unread.\(userId)": .int64(0)]),
                    "$max": .document(["updatedAt": date.bson]),
                ])
            ).map(Self.record)
        }
        if let added { return added }
        guard try await find(id: chatId) != nil else { return nil }
        throw StoreError.duplicate(key: "member")
    }

    func removeMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord? {
        try await modify(
            chatId,
            .document([
                "$pull": .document(["participants": userId.bson, "admins": userId.bson, "pinnedBy": userId.bson, "archivedBy": userId.bson]),
                "$unset": .document([
                    "lastRead.\(userId)": .string(""), "joinedAt.\(userId)": .string(""), "unread.\(userId)": .string(""),
                    "previews.\(userId)": .string(""),
                ]),
                "$max": .document(["updatedAt": date.bson]),
            ])
        )
    }

    /// One pipeline update: the admins become the members among `admins`, in join order, atomically with
    /// any concurrent membership change. Values go in as `$literal`, never as expressions.
    func setAdmins(chatId: ObjectId, _ admins: [ObjectId], at date: Date) async throws -> ChatRecord? {
        try await modify(
            chatId,
            .array([
                .document([
                    "$set": .document([
                        "admins": .document([
                            "$filter": .document([
                                "input": .string("$participants"),
                                "cond": .document(["$in": .array([.string("$$this"), .document(["$literal": admins.bson])])]),
                            ])
                        ]),
                        "updatedAt": .document(["$max": .array([.string("$updatedAt"), .document(["$literal": date.bson])])]),
                    ])
                ])
            ])
        )
    }

    func setPinned(chatId: ObjectId, userId: ObjectId, _ pinned: Bool) async throws {
        try await setMembership(chatId, userId, field: "pinnedBy", pinned)
    }

    func setArchived(chatId: ObjectId, userId: ObjectId, _ archived: Bool) async throws {
        try await setMembership(chatId, userId, field: "archivedBy", archived)
    }

    private func setMembership(_ chatId: ObjectId, _ userId: ObjectId, field: String, _ on: Bool, function: StaticString = #function) async throws {
        let collection = collection
        try await store.run(function: function) { connection in
            _ = try connection.updateOne(
                collection,
                ["_id": chatId.bson, "participants": userId.bson],
                [on ? "$addToSet" : "$pull": .document([field: userId.bson])]
            )
        }
    }

    func recordMessages(_ messages: [RecordedMessage]) async throws {
        let collection = collection
        try await store.run { connection in
            for recorded in messages { try Self.recordMessage(connection, collection, recorded.message, in: recorded.chatId) }
        }
    }

    private static func recordMessage(_ connection: MongoConnection, _ collection: String, _ message: LastMessageRecord, in chatId: ObjectId) throws {
        // The chat's latest recorded ids: recording one again (a retried send) changes nothing.
        let fresh = try connection.updateOne(
            collection,
            ["_id": chatId.bson, "recorded": .document(["$ne": message.messageId.bson])],
            ["$push": .document(["recorded": .document(["$each": .array([message.messageId.bson]), "$slice": .int64(-256)])])]
        )
        guard fresh.modified == 1 else { return }
        let filter: Document = [
            "_id": chatId.bson,
            "$or": .array([
                .document(["lastMessage": .null]),
                .document(["lastMessage.createdAt": .document(["$lt": message.createdAt.bson])]),
                .document(["lastMessage.createdAt": message.createdAt.bson, "lastMessage.messageId": .document(["$lt": message.messageId.bson])]),
            ]),
        ]
        _ = try connection.updateOne(
            collection,
            filter,
            [
                "$set": .document(["lastMessage": Self.lastMessageDocument(message).bson]),
                "$max": .document(["updatedAt": message.createdAt.bson]),
            ]
        )
        let key = MessageKey(createdAt: message.createdAt, id: message.messageId)
        try Self.addToUnread(connection, chatId, message: key, sentBy: message.senderId, 1)
        try Self.markRead(connection, collection, chatId: chatId, userId: message.senderId, upTo: key)
    }

    func uncount(chatId: ObjectId, message key: MessageKey, sentBy senderId: ObjectId, for users: [ObjectId]) async throws {
        try await store.run { connection in try Self.addToUnread(connection, chatId, message: key, sentBy: senderId, -1, only: users) }
    }

    /// Adds `delta` to the unread counts of the members (of `only`, when given) the message counts for.
    private static func addToUnread(
        _ connection: MongoConnection,
        _ chatId: ObjectId,
        message key: MessageKey,
        sentBy senderId: ObjectId,
        _ delta: Int64,
        only users: [ObjectId]? = nil
    ) throws {
        guard let chat = try connection.findOne(MongoSchema.chats, ["_id": chatId.bson], projection: countingFields) else { return }
        let members = try chat.objectIds("participants")
        let allowed = users.map(Set.init)
        let counted = try Self.counted(chat, key, sentBy: senderId, among: allowed.map { allowed in members.filter(allowed.contains) } ?? members)
        guard !counted.isEmpty else { return }
        let increments = Document(counted.map { ("unread.\($0)", BSON.int64(delta)) })
        _ = try connection.updateOne(MongoSchema.chats, ["_id": chatId.bson], ["$inc": .document(increments)])
    }

    func replaceLastMessage(chatId: ObjectId, ifCurrent messageId: ObjectId, with message: LastMessageRecord?) async throws {
        let collection = collection
        try await store.run { connection in
            let filter: Document = ["_id": chatId.bson, "lastMessage.messageId": messageId.bson]
            let update: Document =
                message.map { ["$set": .document(["lastMessage": Self.lastMessageDocument($0).bson])] }
                ?? ["$set": .document(["lastMessage": .null])]
            _ = try connection.updateOne(collection, filter, update)
        }
    }

    /// One update per member, each only while they are in the chat.
    func setPreviews(chatId: ObjectId, _ previews: [ObjectId: MemberPreviewRecord]) async throws {
        let collection = collection
        try await store.run { connection in
            for (user, preview) in previews {
                let value: Document = [
                    "replaces": preview.replaces.bson, "message": preview.message.map { Self.lastMessageDocument($0).bson } ?? .null,
                ]
                _ = try connection.updateOne(
                    collection,
                    ["_id": chatId.bson, "participants": user.bson],
                    ["$set": .document(["previews.\(user)": value.bson])]
                )
            }
        }
    }

    /// Reads which members' previews show the message, then rewrites those while they still do.
    func updatePreviews(chatId: ObjectId, showing message: LastMessageRecord) async throws {
        let collection = collection
        try await store.run { connection in
            guard let chat = try connection.findOne(collection, ["_id": chatId.bson], projection: ["previews": .int32(1)]),
                let previews = try chat.optionalDocument("previews")
            else { return }
            for user in previews.fields.map(\.key) {
                let field = "previews.\(user).message"
                _ = try connection.updateOne(
                    collection,
                    ["_id": chatId.bson, "\(field).messageId": message.messageId.bson],
                    ["$set": .document(["\(field).body": message.body.bson])]
                )
            }
        }
    }

    func markRead(chatId: ObjectId, userId: ObjectId, upTo key: MessageKey) async throws {
        let collection = collection
        try await store.run { connection in try Self.markRead(connection, collection, chatId: chatId, userId: userId, upTo: key) }
    }

    private static func markRead(_ connection: MongoConnection, _ collection: String, chatId: ObjectId, userId: ObjectId, upTo key: MessageKey) throws
    {
        let field = "lastRead.\(userId)"
        let filter: Document = [
            "_id": chatId.bson, "participants": userId.bson,
            "$or": .array([
                .document([field: .null]),
                .document(["\(field).at": .document(["$lt": key.createdAt.bson])]),
                .document(["\(field).at": key.createdAt.bson, "\(field).id": .document(["$lt": key.id.bson])]),
            ]),
        ]
        _ = try connection.updateOne(collection, filter, ["$set": .document([field: .document(["at": key.createdAt.bson, "id": key.id.bson])])])
        // Recount from the stored position, which a concurrent read may have moved further than `key`.
        guard
            let chat = try connection.findOne(collection, ["_id": chatId.bson, "participants": userId.bson], projection: Self.countingFields),
            let joinedAt = try chat.optionalDocument("joinedAt")?.optionalDate(userId.description)
        else { return }
        let position = try Self.readPosition(chat, of: userId)
        let unread = try MongoMessages.unreadCount(connection, chatId: chatId, userId: userId, since: joinedAt, after: position)
        _ = try connection.updateOne(
            collection,
            ["_id": chatId.bson, "participants": userId.bson],
            ["$set": .document(["unread.\(userId)": .int64(Int64(unread))])]
        )
    }

    private func modify(_ id: ObjectId, _ update: BSON, function: StaticString = #function) async throws -> ChatRecord? {
        let collection = collection
        return try await store.run(function: function) { connection in
            try connection.findAndModify(collection, ["_id": id.bson], update: update).map(Self.record)
        }
    }
}
