import Foundation
import ParleyCore
import ParleyStore

struct SQLiteMessages: MessageRepository {
    let database: SQLiteDatabase

    static let columns = """
        id, chat_id, sender_id, body, media, reply_to, reactions, status, delivered_to, read_by, deleted_for, deleted_for_everyone,
        temp_id, created_at, edited_at
        """

    static func record(_ row: SQLRow) throws -> MessageRecord {
        MessageRecord(
            id: try row.id(0),
            chatId: try row.id(1),
            senderId: try row.id(2),
            body: row.text(3),
            media: JSONColumn.media(try row.json(4)),
            replyTo: JSONColumn.reply(try row.json(5)),
            reactions: JSONColumn.reactions(try row.json(6)),
            status: DeliveryStatus(rawValue: row.text(7)) ?? .sent,
            deliveredTo: JSONColumn.ids(try row.json(8)),
            readBy: JSONColumn.ids(try row.json(9)),
            deletedFor: JSONColumn.ids(try row.json(10)),
            deletedForEveryone: row.bool(11),
            tempId: row.optionalText(12),
            createdAt: row.date(13),
            editedAt: row.optionalDate(14)
        )
    }

    func insert(_ message: MessageRecord) async throws {
        try await database.write { db in
            try db.run(
                """
                INSERT INTO messages (chat_id, created_at, id, sender_id, body, media, reply_to, reactions, status, delivered_to, read_by,
                    deleted_for, deleted_for_everyone, temp_id, edited_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    message.chatId.sql, message.createdAt.sql, message.id.sql, message.senderId.sql, message.body.sql,
                    JSONColumn.media(message.media),
                    JSONColumn.reply(message.replyTo), JSONColumn.reactions(message.reactions), message.status.rawValue.sql,
                    JSONColumn.ids(message.deliveredTo), JSONColumn.ids(message.readBy), JSONColumn.ids(message.deletedFor),
                    message.deletedForEveryone.sql, message.tempId.sql, message.editedAt.sql,
                ]
            )
            for user in message.deletedFor { try db.run("INSERT OR IGNORE INTO message_hidden VALUES (?, ?)", [user.sql, message.id.sql]) }
        }
    }

    func find(id: ObjectId) async throws -> MessageRecord? {
        try database.read { db in try Self.load(db, id) }
    }

    func find(senderId: ObjectId, tempId: String) async throws -> MessageRecord? {
        try database.read { db in
            try db.first("SELECT \(Self.columns) FROM messages WHERE sender_id = ? AND temp_id = ?", [senderId.sql, tempId.sql], Self.record)
        }
    }

    func find(ids: [ObjectId]) async throws -> [MessageRecord] {
        try database.read { db in try ids.compactMap { try Self.load(db, $0) } }
    }

    func page(chatId: ObjectId, viewer: ObjectId, since: Date?, limit: Int, before cursor: MessageKey?) async throws -> [MessageRecord] {
        try database.read { db in
            var sql = "SELECT \(Self.columns) FROM messages m WHERE chat_id = ? AND deleted_for_everyone = 0"
            var values: [SQLValue] = [chatId.sql]
            if let since {
                sql += " AND created_at >= ?"
                values.append(since.sql)
            }
            if let cursor {
                // A row value, not an OR: SQLite turns it into a range on the primary key instead of a scan.
                sql += " AND (created_at, id) < (?, ?)"
                values += [cursor.createdAt.sql, cursor.id.sql]
            }
            sql +=
                " AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.user_id = ? AND h.message_id = m.id) ORDER BY created_at DESC, id DESC LIMIT ?"
            values += [viewer.sql, .integer(Int64(max(0, limit)))]
            return try db.rows(sql, values, Self.record)
        }
    }

    func edit(id: ObjectId, body: String, at date: Date) async throws -> MessageRecord? {
        try await database.write { db in
            try db.run("UPDATE messages SET body = ?, edited_at = ? WHERE id = ?", [body.sql, date.sql, id.sql])
            return try Self.load(db, id)
        }
    }

    func hide(id: ObjectId, for userId: ObjectId) async throws {
        try await database.write { db in
            guard var message = try Self.load(db, id), !message.deletedFor.contains(userId) else { return }
            message.deletedFor.append(userId)
            try db.run("INSERT OR IGNORE INTO message_hidden VALUES (?, ?)", [userId.sql, id.sql])
            try db.run("UPDATE messages SET deleted_for = ? WHERE id = ?", [JSONColumn.ids(message.deletedFor), id.sql])
        }
    }

    func deleteForEveryone(id: ObjectId) async throws {
        try await database.write { db in try db.run("UPDATE messages SET deleted_for_everyone = 1 WHERE id = ?", [id.sql]) }
    }

    func setReaction(id: ObjectId, userId: ObjectId, emoji: String?, at date: Date) async throws -> MessageRecord? {
        try await database.write { db in
            guard var message = try Self.load(db, id) else { return nil }
            message.reactions.removeAll { $0.userId == userId }
            if let emoji, !emoji.isEmpty { message.reactions.append(ReactionRecord(userId: userId, emoji: emoji, createdAt: date)) }
            try db.run("UPDATE messages SET reactions = ? WHERE id = ?", [JSONColumn.reactions(message.reactions), id.sql])
            return message
        }
    }

    func markDelivered(_ deliveries: [MessageDelivery]) async throws -> [MessageRecord] {
        guard !deliveries.isEmpty else { return [] }
        let byMessage = Dictionary(grouping: deliveries, by: \.messageId)
        return try await database.write { db in
            var changed: [MessageRecord] = []
            for (id, reached) in byMessage {
                guard var message = try Self.load(db, id) else { continue }
                let before = message.deliveredTo.count
                // A set beside the list: a group's message reaches hundreds of members in one batch.
                var seen = Set(message.deliveredTo)
                for user in reached.map(\.userId) where user != message.senderId && seen.insert(user).inserted {
                    message.deliveredTo.append(user)
                }
                guard message.deliveredTo.count > before else { continue }
                try db.run("UPDATE messages SET delivered_to = ? WHERE id = ?", [JSONColumn.ids(message.deliveredTo), id.sql])
                changed.append(message)
            }
            return changed
        }
    }

    func markRead(ids: [ObjectId], by userId: ObjectId) async throws -> [MessageRecord] {
        try await database.write { db in
            try ids.compactMap { id -> MessageRecord? in
                guard var message = try Self.load(db, id) else { return nil }
                guard message.senderId != userId else { return message }
                if !message.deliveredTo.contains(userId) { message.deliveredTo.append(userId) }
                if !message.readBy.contains(userId) { message.readBy.append(userId) }
                try db.run(
                    "UPDATE messages SET delivered_to = ?, read_by = ? WHERE id = ?",
                    [JSONColumn.ids(message.deliveredTo), JSONColumn.ids(message.readBy), id.sql]
                )
                return message
            }
        }
    }

    func setStatus(ids: [ObjectId], _ status: DeliveryStatus) async throws {
        try await database.write { db in
            for id in ids { try db.run("UPDATE messages SET status = ? WHERE id = ?", [status.rawValue.sql, id.sql]) }
        }
    }

    func hidden(among ids: [ObjectId], for userId: ObjectId) async throws -> Set<ObjectId> {
        guard !ids.isEmpty else { return [] }
        return try database.read { db in
            let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            let rows = try db.rows(
                "SELECT message_id FROM message_hidden WHERE user_id = ? AND message_id IN (\(list))",
                [userId.sql] + ids.map(\.sql)
            ) {
                try $0.id(0)
            }
            return Set(rows)
        }
    }

    static func load(_ db: SQLiteConnection, _ id: ObjectId) throws -> MessageRecord? {
        try db.first("SELECT \(columns) FROM messages WHERE id = ?", [id.sql], record)
    }
}
