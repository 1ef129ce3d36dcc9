import Foundation
import ParleyCore
import ParleyStore

/// messages: `{_id, chatId, senderId, body, media?, replyTo?, reactions: [{userId, emoji, createdAt}], status,
/// deliveredTo: [id], readBy: [id], deletedFor: [id], deletedForEveryone, tempId?, createdAt, editedAt?}`.
/// History is read through `{chatId: 1, createdAt: -1, _id: -1}`: a page is one range scan on one shard.
struct MongoMessages: MessageRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.messages }

    static func document(_ message: MessageRecord) -> Document {
        var document: Document = [
            "_id": message.id.bson, "chatId": message.chatId.bson, "senderId": message.senderId.bson, "body": message.body.bson,
        ]
        if let media = message.media {
            var item: Document = ["kind": media.kind.rawValue.bson, "url": media.url.bson, "mediaId": media.mediaId.bson]
            if let duration = media.duration { item["duration"] = .double(duration) }
            if let thumbnailUrl = media.thumbnailUrl { item["thumbnailUrl"] = thumbnailUrl.bson }
            document["media"] = item.bson
        }
        if let reply = message.replyTo {
            document["replyTo"] = .document(["messageId": reply.messageId.bson, "body": reply.body.bson, "senderId": reply.senderId.bson])
        }
        document["reactions"] = .array(message.reactions.map(reactionDocument))
        document["status"] = message.status.rawValue.bson
        document["deliveredTo"] = unique(message.deliveredTo).bson
        document["readBy"] = unique(message.readBy).bson
        document["deletedFor"] = unique(message.deletedFor).bson
        document["deletedForEveryone"] = message.deletedForEveryone.bson
        // Absent rather than null: the unique (senderId, tempId) index is partial on the field existing.
        if let tempId = message.tempId { document["tempId"] = tempId.bson }
        document["createdAt"] = message.createdAt.bson
        if let editedAt = message.editedAt { document["editedAt"] = editedAt.bson }
        return document
    }

    private static func unique(_ ids: [ObjectId]) -> [ObjectId] {
        var seen = Set<ObjectId>()
        return ids.filter { seen.insert($0).inserted }
    }

    static func reactionDocument(_ reaction: ReactionRecord) -> BSON {
        .document(["userId": reaction.userId.bson, "emoji": reaction.emoji.bson, "createdAt": reaction.createdAt.bson])
    }

    static func record(_ document: Document) throws -> MessageRecord {
        var media: MessageMediaRecord?
        if let item = try document.optionalDocument("media") {
            guard let kind = MediaKind(rawValue: try item.string("kind")) else { throw StoreError.corrupt("unknown media kind") }
            media = MessageMediaRecord(
                kind: kind,
                url: try item.string("url"),
                mediaId: try item.objectId("mediaId"),
                duration: try item.optionalDouble("duration"),
                thumbnailUrl: try item.optionalString("thumbnailUrl")
            )
        }
        var reply: ReplyRecord?
        if let item = try document.optionalDocument("replyTo") {
            reply = ReplyRecord(messageId: try item.objectId("messageId"), body: try item.string("body"), senderId: try item.objectId("senderId"))
        }
        let reactions = try document.documents("reactions").map { item in
            ReactionRecord(userId: try item.objectId("userId"), emoji: try item.string("emoji"), createdAt: try item.date("createdAt"))
        }
        return MessageRecord(
            id: try document.objectId("_id"),
            chatId: try document.objectId("chatId"),
            senderId: try document.objectId("senderId"),
            body: try document.string("body"),
            media: media,
            replyTo: reply,
            reactions: reactions,
            status: DeliveryStatus(rawValue: try document.string("status")) ?? .sent,
            deliveredTo: try document.objectIds("deliveredTo"),
            readBy: try document.objectIds("readBy"),
            deletedFor: try document.objectIds("deletedFor"),
            deletedForEveryone: try document.bool("deletedForEveryone"),
            tempId: try document.optionalString("tempId"),
            createdAt: try document.date("createdAt"),
            editedAt: try document.optionalDate("editedAt")
        )
    }

    func insert(_ message: MessageRecord) async throws {
        try await store.insert(collection, Self.document(message))
    }

    func find(id: ObjectId) async throws -> MessageRecord? {
        let collection = collection
        return try await store.run { connection in try connection.findOne(collection, ["_id": id.bson]).map(Self.record) }
    }

    func find(senderId: ObjectId, tempId: String) async throws -> MessageRecord? {
        let collection = collection
        return try await store.run { connection in
            try connection.findOne(collection, ["senderId": senderId.bson, "tempId": tempId.bson]).map(Self.record)
        }
    }

    func find(ids: [ObjectId]) async throws -> [MessageRecord] {
        let collection = collection
        return try await store.run { connection in try Self.load(connection, collection, ids) }
    }

    /// In the order of `ids`, without the missing ones.
    private static func load(_ connection: MongoConnection, _ collection: String, _ ids: [ObjectId]) throws -> [MessageRecord] {
        guard !ids.isEmpty else { return [] }
        let found = try connection.find(collection, ["_id": .document(["$in": ids.bson])]).map(record)
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byId[$0] }
    }

    /// Strictly before `cursor` in `(createdAt, _id)` order: ties on the millisecond are broken by id, so
    /// consecutive pages neither repeat nor skip a message.
    func page(chatId: ObjectId, viewer: ObjectId, since: Date?, limit: Int, before cursor: MessageKey?) async throws -> [MessageRecord] {
        guard limit > 0 else { return [] }
        let collection = collection
        return try await store.run { connection in
            var filter = Self.visible(chatId: chatId, to: viewer)
            var range: Document = [:]
            if let since { range["$gte"] = since.bson }
            if let cursor {
                // The bound on createdAt keeps the index scan to the range; the $or breaks the tie on the millisecond.
                range["$lte"] = cursor.createdAt.bson
                filter["$or"] = .array([
                    .document(["createdAt": .document(["$lt": cursor.createdAt.bson])]),
                    .document(["createdAt": cursor.createdAt.bson, "_id": .document(["$lt": cursor.id.bson])]),
                ])
            }
            if !range.fields.isEmpty { filter["createdAt"] = .document(range) }
            return try connection.find(collection, filter, sort: ["createdAt": .int32(-1), "_id": .int32(-1)], limit: limit).map(Self.record)
        }
    }

    static func visible(chatId: ObjectId, to userId: ObjectId) -> Document {
        ["chatId": chatId.bson, "deletedForEveryone": false.bson, "deletedFor": .document(["$ne": userId.bson])]
    }

    func edit(id: ObjectId, body: String, at date: Date) async throws -> MessageRecord? {
        try await modify(id, .document(["$set": .document(["body": body.bson, "editedAt": date.bson])]))
    }

    func hide(id: ObjectId, for userId: ObjectId) async throws {
        try await updateMany([id], ["$addToSet": .document(["deletedFor": userId.bson])])
    }

    func deleteForEveryone(id: ObjectId) async throws {
        try await updateMany([id], ["$set": .document(["deletedForEveryone": true.bson])])
    }

    /// One pipeline update replaces the user's reaction (moved to the end, as newest) or removes it.
    /// Client values go in as `$literal`, so an emoji such as "$body" stays text.
    func setReaction(id: ObjectId, userId: ObjectId, emoji: String?, at date: Date) async throws -> MessageRecord? {
        let others: BSON = .document([
            "$filter": .document([
                "input": .string("$reactions"),
                "cond": .document(["$ne": .array([.string("$$this.userId"), .document(["$literal": userId.bson])])]),
            ])
        ])
        var reactions = others
        if let emoji, !emoji.isEmpty {
            let reaction = Self.reactionDocument(ReactionRecord(userId: userId, emoji: emoji, createdAt: date))
            reactions = .document(["$concatArrays": .array([others, .array([.document(["$literal": reaction])])])])
        }
        return try await modify(id, .array([.document(["$set": .document(["reactions": reactions])])]))
    }

    func markDelivered(_ deliveries: [MessageDelivery]) async throws -> [MessageRecord] {
        guard !deliveries.isEmpty else { return [] }
        let byUser = Dictionary(grouping: deliveries, by: \.userId).mapValues { $0.map(\.messageId) }
        let collection = collection
        return try await store.run { connection in
            var changed: Set<ObjectId> = []
            for (user, ids) in byUser {
                // Those it has not reached yet, then only those: what changed is known without a transaction.
                let filter: Document = [
                    "_id": .document(["$in": ids.bson]), "senderId": .document(["$ne": user.bson]), "deliveredTo": .document(["$ne": user.bson]),
                ]
                let new = try connection.find(collection, filter, projection: ["_id": .int32(1)]).map { try $0.objectId("_id") }
                guard !new.isEmpty else { continue }
                _ = try connection.updateMany(collection, ["_id": .document(["$in": new.bson])], ["$addToSet": .document(["deliveredTo": user.bson])])
                changed.formUnion(new)
            }
            return try Self.load(connection, collection, Array(changed))
        }
    }

    /// Reading implies delivery. A sender never reads their own message.
    func markRead(ids: [ObjectId], by userId: ObjectId) async throws -> [MessageRecord] {
        guard !ids.isEmpty else { return [] }
        let collection = collection
        return try await store.run { connection in
            try connection.updateMany(
                collection,
                ["_id": .document(["$in": ids.bson]), "senderId": .document(["$ne": userId.bson])],
                ["$addToSet": .document(["deliveredTo": userId.bson, "readBy": userId.bson])]
            )
            return try Self.load(connection, collection, ids)
        }
    }

    func setStatus(ids: [ObjectId], _ status: DeliveryStatus) async throws {
        try await updateMany(ids, ["$set": .document(["status": status.rawValue.bson])])
    }

    func hidden(among ids: [ObjectId], for userId: ObjectId) async throws -> Set<ObjectId> {
        guard !ids.isEmpty else { return [] }
        let collection = collection
        return try await store.run { connection in
            let found = try connection.find(
                collection,
                ["_id": .document(["$in": ids.bson]), "deletedFor": userId.bson],
                projection: ["_id": .int32(1)]
            )
            return Set(try found.map { try $0.objectId("_id") })
        }
    }

    /// What `userId` has left unread in the chat: messages of others since `since` and after `key`, visible to them.
    static func unreadCount(_ connection: MongoConnection, chatId: ObjectId, userId: ObjectId, since: Date, after key: MessageKey?) throws -> Int {
        var filter = visible(chatId: chatId, to: userId)
        filter["senderId"] = .document(["$ne": userId.bson])
        filter["createdAt"] = .document(["$gte": max(since, key?.createdAt ?? since).bson])
        if let key {
            filter["$or"] = .array([
                .document(["createdAt": .document(["$gt": key.createdAt.bson])]),
                .document(["createdAt": key.createdAt.bson, "_id": .document(["$gt": key.id.bson])]),
            ])
        }
        return try connection.count(MongoSchema.messages, filter)
    }

    private func updateMany(_ ids: [ObjectId], _ update: Document, function: StaticString = #function) async throws {
        guard !ids.isEmpty else { return }
        let collection = collection
        let filter: Document = ["_id": .document(["$in": ids.bson])]
        try await store.run(function: function) { connection in _ = try connection.updateMany(collection, filter, update) }
    }

    private func modify(_ id: ObjectId, _ update: BSON, function: StaticString = #function) async throws -> MessageRecord? {
        let collection = collection
        return try await store.run(function: function) { connection in
            try connection.findAndModify(collection, ["_id": id.bson], update: update).map(Self.record)
        }
    }
}
