import Foundation
import ParleyAPIRuntime
import ParleyStore

struct SQLiteChats: ChatRepository {
    let database: SQLiteDatabase

    func insert(_ chat: ChatRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO chats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    chat.id.sql, chat.kind.rawValue.sql, chat.directKey.sql, chat.title.sql, chat.avatarUrl.sql,
                    chat.lastMessage?.messageId.sql ?? .null,
                    chat.lastMessage?.body.sql ?? .null, chat.lastMessage?.senderId.sql ?? .null, chat.lastMessage?.createdAt.sql ?? .null,
                    chat.createdAt.sql, chat.updatedAt.sql,
                ]
            )
            for (position, member) in chat.participants.enumerated() {
                try db.run(
                    "INSERT INTO chat_members (chat_id, user_id, position, is_admin, joined_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        chat.id.sql, member.sql, .integer(Int64(position)), chat.admins.contains(member).sql,
                        (chat.joinedAt[member] ?? chat.createdAt).sql,
                    ]
                )
            }
        }
    }

    func find(id: ObjectId) async throws -> ChatRecord? {
        try await database.read { db in try Self.load(db, id) }
    }

    func findDirect(key: String) async throws -> ChatRecord? {
        try await database.read { db in
            guard let id = try db.first("SELECT id FROM chats WHERE direct_key = ?", [key.sql], { try $0.id(0) }) else { return nil }
            return try Self.load(db, id)
        }
    }

    func list(userId: ObjectId, archived: Bool, limit: Int, after cursor: ChatListKey?) async throws -> [ChatListing] {
        try await database.read { db in
            var sql = """
                SELECT c.id, m.pinned, m.archived, m.last_read_at, m.last_read_id FROM chat_members m JOIN chats c ON c.id = m.chat_id
                WHERE m.user_id = ? AND m.archived = ?
                """
            var values: [SQLValue] = [userId.sql, archived.sql]
            if let cursor {
                sql += " AND (m.pinned, c.updated_at, c.id) < (?, ?, ?)"
                values += [cursor.pinned.sql, cursor.updatedAt.sql, cursor.id.sql]
            }
            sql += " ORDER BY m.pinned DESC, c.updated_at DESC, c.id DESC LIMIT ?"
            values.append(.integer(Int64(max(0, limit))))
            let rows = try db.rows(sql, values) { row in (try row.id(0), try Self.state(row, from: 1)) }
            return try rows.compactMap { id, state in try Self.load(db, id).map { ChatListing(chat: $0, state: state) } }
        }
    }

    func chatIds(userId: ObjectId) async throws -> [ObjectId] {
        try await database.read { db in try db.rows("SELECT chat_id FROM chat_members WHERE user_id = ?", [userId.sql]) { try $0.id(0) } }
    }

    func memberState(chatId: ObjectId, userId: ObjectId) async throws -> ChatMemberState? {
        try await database.read { db in
            try db.first(
                "SELECT pinned, archived, last_read_at, last_read_id FROM chat_members WHERE chat_id = ? AND user_id = ?",
                [chatId.sql, userId.sql]
            ) { row in try Self.state(row, from: 0) }
        }
    }

    func update(id: ObjectId, title: String?, avatarUrl: String?, at date: Date) async throws -> ChatRecord? {
        try await database.write { db in
            try db.run(
                "UPDATE chats SET title = coalesce(?, title), avatar_url = coalesce(?, avatar_url), updated_at = ? WHERE id = ?",
                [title.sql, avatarUrl.sql, date.sql, id.sql]
            )
            return try Self.load(db, id)
        }
    }

    func addMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord? {
        try await database.write { db in
            guard try db.first("SELECT 1 FROM chats WHERE id = ?", [chatId.sql], { _ in true }) != nil else { return nil }
            try db.run(
                """
                INSERT INTO chat_members (chat_id, user_id, position, joined_at)
                VALUES (?, ?, (SELECT coalesce(max(position), -1) + 1 FROM chat_members WHERE chat_id = ?), ?)
                """,
                [chatId.sql, userId.sql, chatId.sql, date.sql]
            )
            try db.run("UPDATE chats SET updated_at = max(updated_at, ?) WHERE id = ?", [date.sql, chatId.sql])
            return try Self.load(db, chatId)
        }
    }

    func removeMember(chatId: ObjectId, userId: ObjectId, at date: Date) async throws -> ChatRecord? {
        try await database.write { db in
            try db.run("DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?", [chatId.sql, userId.sql])
            try db.run("UPDATE chats SET updated_at = max(updated_at, ?) WHERE id = ?", [date.sql, chatId.sql])
            return try Self.load(db, chatId)
        }
    }

    func setAdmins(chatId: ObjectId, _ admins: [ObjectId], at date: Date) async throws -> ChatRecord? {
        try await database.write { db in
            try db.run("UPDATE chat_members SET is_admin = 0 WHERE chat_id = ?", [chatId.sql])
            for admin in admins {
                try db.run("UPDATE chat_members SET is_admin = 1 WHERE chat_id = ? AND user_id = ?", [chatId.sql, admin.sql])
            }
            try db.run("UPDATE chats SET updated_at = max(updated_at, ?) WHERE id = ?", [date.sql, chatId.sql])
            return try Self.load(db, chatId)
        }
    }

    func setPinned(chatId: ObjectId, userId: ObjectId, _ pinned: Bool) async throws {
        try await database.write { db in
            try db.run("UPDATE chat_members SET pinned = ? WHERE chat_id = ? AND user_id = ?", [pinned.sql, chatId.sql, userId.sql])
        }
    }

    func setArchived(chatId: ObjectId, userId: ObjectId, _ archived: Bool) async throws {
        try await database.write { db in
            try db.run("UPDATE chat_members SET archived = ? WHERE chat_id = ? AND user_id = ?", [archived.sql, chatId.sql, userId.sql])
        }
    }

    func setLastMessage(chatId: ObjectId, _ message: LastMessageRecord) async throws {
        try await database.write { db in
            try db.run(
                """
                UPDATE chats SET last_message_id = ?, last_message_body = ?, last_message_sender = ?, last_message_at = ?,
                    updated_at = max(updated_at, ?)
                WHERE id = ? AND (last_message_at IS NULL OR (last_message_at, last_message_id) < (?, ?))
                """,
                [
                    message.messageId.sql, message.body.sql, message.senderId.sql, message.createdAt.sql, message.createdAt.sql, chatId.sql,
                    message.createdAt.sql, message.messageId.sql,
                ]
            )
        }
    }

    func replaceLastMessage(chatId: ObjectId, ifCurrent messageId: ObjectId, with message: LastMessageRecord?) async throws {
        try await database.write { db in
            try db.run(
                """
                UPDATE chats SET last_message_id = ?, last_message_body = ?, last_message_sender = ?, last_message_at = ?
                WHERE id = ? AND last_message_id = ?
                """,
                [
                    message?.messageId.sql ?? .null, message?.body.sql ?? .null, message?.senderId.sql ?? .null, message?.createdAt.sql ?? .null,
                    chatId.sql, messageId.sql,
                ]
            )
        }
    }

    func markRead(chatId: ObjectId, userId: ObjectId, upTo key: MessageKey) async throws {
        try await database.write { db in
            try db.run(
                """
                UPDATE chat_members SET last_read_at = ?, last_read_id = ?
                WHERE chat_id = ? AND user_id = ? AND (last_read_at IS NULL OR (last_read_at, last_read_id) < (?, ?))
                """,
                [key.createdAt.sql, key.id.sql, chatId.sql, userId.sql, key.createdAt.sql, key.id.sql]
            )
        }
    }

    /// Member state from the columns `pinned, archived, last_read_at, last_read_id`, starting at `column`.
    private static func state(_ row: SQLRow, from column: Int32) throws -> ChatMemberState {
        var lastRead: MessageKey?
        if let at = row.optionalDate(column + 2), let id = try row.optionalId(column + 3) { lastRead = MessageKey(createdAt: at, id: id) }
        return ChatMemberState(pinned: row.bool(column), archived: row.bool(column + 1), lastRead: lastRead)
    }

    static func load(_ db: SQLiteConnection, _ id: ObjectId) throws -> ChatRecord? {
        guard
            var chat = try db.first(
                """
                SELECT kind, title, avatar_url, last_message_id, last_message_body, last_message_sender, last_message_at, created_at, updated_at
                FROM chats WHERE id = ?
                """,
                [id.sql],
                { row -> ChatRecord in
                    var last: LastMessageRecord?
                    if let messageId = try row.optionalId(3), let sender = try row.optionalId(5), let at = row.optionalDate(6) {
                        last = LastMessageRecord(messageId: messageId, body: row.text(4), senderId: sender, createdAt: at)
                    }
                    return ChatRecord(
                        id: id,
                        kind: ChatKind(rawValue: row.text(0)) ?? .group,
                        participants: [],
                        title: row.optionalText(1),
                        avatarUrl: row.optionalText(2),
                        lastMessage: last,
                        createdAt: row.date(7),
                        updatedAt: row.date(8)
                    )
                }
            )
        else { return nil }
        let members = try db.rows("SELECT user_id, is_admin, joined_at FROM chat_members WHERE chat_id = ? ORDER BY position", [id.sql]) {
            (id: try $0.id(0), admin: $0.bool(1), joined: $0.date(2))
        }
        chat.participants = members.map(\.id)
        chat.admins = members.filter(\.admin).map(\.id)
        chat.joinedAt = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.joined) })
        return chat
    }
}
