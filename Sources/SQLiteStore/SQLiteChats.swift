import Foundation
import ParleyCore
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
        try database.read { db in try Self.load(db, id) }
    }

    func findDirect(key: String) async throws -> ChatRecord? {
        try database.read { db in
            guard let id = try db.first("SELECT id FROM chats WHERE direct_key = ?", [key.sql], { try $0.id(0) }) else { return nil }
            return try Self.load(db, id)
        }
    }

    func list(userId: ObjectId, archived: Bool, limit: Int, after cursor: ChatListKey?) async throws -> [ChatListing] {
        try database.read { db in
            var sql = """
                SELECT c.id, \(Self.stateColumns) FROM chat_members m JOIN chats c ON c.id = m.chat_id
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
            let chats = try Self.load(db, rows.map(\.0))
            return rows.compactMap { id, state in chats[id].map { ChatListing(chat: $0, state: state) } }
        }
    }

    func chatIds(userId: ObjectId) async throws -> [ObjectId] {
        try database.read { db in try db.rows("SELECT chat_id FROM chat_members WHERE user_id = ?", [userId.sql]) { try $0.id(0) } }
    }

    func directPartners(userId: ObjectId) async throws -> [ObjectId] {
        try database.read { db in
            try db.rows(
                """
                SELECT other.user_id FROM chat_members mine
                JOIN chats c ON c.id = mine.chat_id AND c.kind = 'direct'
                JOIN chat_members other ON other.chat_id = mine.chat_id AND other.user_id != mine.user_id
                WHERE mine.user_id = ?
                """,
                [userId.sql]
            ) { try $0.id(0) }
        }
    }

    func memberState(chatId: ObjectId, userId: ObjectId) async throws -> ChatMemberState? {
        try database.read { db in
            try db.first(
                "SELECT \(Self.stateColumns) FROM chat_members m WHERE chat_id = ? AND user_id = ?",
                [chatId.sql, userId.sql]
            ) { row in try Self.state(row, from: 0) }
        }
    }

    func memberStates(chatId: ObjectId) async throws -> [ObjectId: ChatMemberState] {
        try database.read { db in
            let rows = try db.rows("SELECT user_id, \(Self.stateColumns) FROM chat_members m WHERE chat_id = ?", [chatId.sql]) { row in
                (try row.id(0), try Self.state(row, from: 1))
            }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
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

    func recordMessages(_ messages: [RecordedMessage]) async throws {
        try await database.write { db in
            for recorded in messages { try Self.recordMessage(db, recorded.message, in: recorded.chatId) }
        }
    }

    private static func recordMessage(_ db: SQLiteConnection, _ message: LastMessageRecord, in chatId: ObjectId) throws {
        guard try db.run("INSERT OR IGNORE INTO chat_recorded_messages VALUES (?, ?)", [chatId.sql, message.messageId.sql]) == 1 else { return }
        // A retry comes within seconds: ids made a day before this one are forgotten.
        try db.run(
            "DELETE FROM chat_recorded_messages WHERE chat_id = ? AND message_id < ?",
            [chatId.sql, ObjectId.earliest(at: message.messageId.date.addingTimeInterval(-86_400)).sql]
        )
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
        try db.run(
            "UPDATE chat_members SET unread_count = unread_count + 1 WHERE chat_id = ? AND user_id != ? AND \(Self.counts)",
            [chatId.sql, message.senderId.sql, message.createdAt.sql, message.createdAt.sql, message.messageId.sql]
        )
        try Self.markRead(db, chatId: chatId, userId: message.senderId, upTo: MessageKey(createdAt: message.createdAt, id: message.messageId))
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
        try await database.write { db in try Self.markRead(db, chatId: chatId, userId: userId, upTo: key) }
    }

    private static func markRead(_ db: SQLiteConnection, chatId: ObjectId, userId: ObjectId, upTo key: MessageKey) throws {
        try db.run(
            """
            UPDATE chat_members SET last_read_at = ?, last_read_id = ?
            WHERE chat_id = ? AND user_id = ? AND (last_read_at IS NULL OR (last_read_at, last_read_id) < (?, ?))
            """,
            [key.createdAt.sql, key.id.sql, chatId.sql, userId.sql, key.createdAt.sql, key.id.sql]
        )
        try db.run(
            "UPDATE chat_members SET unread_count = \(SQLiteSchema.unreadCount) WHERE chat_id = ? AND user_id = ?",
            [chatId.sql, userId.sql]
        )
    }

    func uncount(chatId: ObjectId, message key: MessageKey, sentBy senderId: ObjectId, for users: [ObjectId]) async throws {
        try await database.write { db in
            for user in users where user != senderId {
                try db.run(
                    "UPDATE chat_members SET unread_count = max(0, unread_count - 1) WHERE chat_id = ? AND user_id = ? AND \(Self.counts)",
                    [chatId.sql, user.sql, key.createdAt.sql, key.createdAt.sql, key.id.sql]
                )
            }
        }
    }

    /// The members a message sent at (?, ?) and with id ? counts for: joined before it, not read that far.
    private static let counts = "joined_at <= ? AND (last_read_at IS NULL OR (last_read_at, last_read_id) < (?, ?))"

    func setPreviews(chatId: ObjectId, _ previews: [ObjectId: MemberPreviewRecord]) async throws {
        try await database.write { db in
            for (user, preview) in previews {
                let message = preview.message
                try db.run(
                    """
                    UPDATE chat_members SET preview_replaces = ?, preview_id = ?, preview_body = ?, preview_sender = ?, preview_at = ?
                    WHERE chat_id = ? AND user_id = ?
                    """,
                    [
                        preview.replaces.sql, message?.messageId.sql ?? .null, message?.body.sql ?? .null, message?.senderId.sql ?? .null,
                        message?.createdAt.sql ?? .null, chatId.sql, user.sql,
                    ]
                )
            }
        }
    }

    func updatePreviews(chatId: ObjectId, showing message: LastMessageRecord) async throws {
        try await database.write { db in
            try db.run(
                "UPDATE chat_members SET preview_body = ? WHERE chat_id = ? AND preview_id = ?",
                [message.body.sql, chatId.sql, message.messageId.sql]
            )
        }
    }

    private static let stateColumns = """
        m.pinned, m.archived, m.last_read_at, m.last_read_id, m.unread_count,
        m.preview_replaces, m.preview_id, m.preview_body, m.preview_sender, m.preview_at
        """

    /// Member state from the `stateColumns`, starting at `column`.
    private static func state(_ row: SQLRow, from column: Int32) throws -> ChatMemberState {
        var lastRead: MessageKey?
        if let at = row.optionalDate(column + 2), let id = try row.optionalId(column + 3) { lastRead = MessageKey(createdAt: at, id: id) }
        var preview: MemberPreviewRecord?
        if let replaces = try row.optionalId(column + 5) {
            var message: LastMessageRecord?
            if let id = try row.optionalId(column + 6), let sender = try row.optionalId(column + 8), let at = row.optionalDate(column + 9) {
                message = LastMessageRecord(messageId: id, body: row.optionalText(column + 7) ?? "", senderId: sender, createdAt: at)
            }
            preview = MemberPreviewRecord(replaces: replaces, message: message)
        }
        return ChatMemberState(
            pinned: row.bool(column),
            archived: row.bool(column + 1),
            lastRead: lastRead,
            unreadCount: Int(clamping: row.int(column + 4)),
            preview: preview
        )
    }

    static func load(_ db: SQLiteConnection, _ id: ObjectId) throws -> ChatRecord? {
        try load(db, [id])[id]
    }

    /// The chats with these ids, in two queries whatever their number.
    static func load(_ db: SQLiteConnection, _ ids: [ObjectId]) throws -> [ObjectId: ChatRecord] {
        guard !ids.isEmpty else { return [:] }
        let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        var chats: [ObjectId: ChatRecord] = [:]
        try db.query(
            """
            SELECT id, kind, title, avatar_url, last_message_id, last_message_body, last_message_sender, last_message_at, created_at, updated_at
            FROM chats WHERE id IN (\(list))
            """,
            ids.map(\.sql)
        ) { row in
            var last: LastMessageRecord?
            if let messageId = try row.optionalId(4), let sender = try row.optionalId(6), let at = row.optionalDate(7) {
                last = LastMessageRecord(messageId: messageId, body: row.text(5), senderId: sender, createdAt: at)
            }
            let id = try row.id(0)
            chats[id] = ChatRecord(
                id: id,
                kind: ChatKind(rawValue: row.text(1)) ?? .group,
                participants: [],
                title: row.optionalText(2),
                avatarUrl: row.optionalText(3),
                lastMessage: last,
                createdAt: row.date(8),
                updatedAt: row.date(9)
            )
        }
        try db.query(
            "SELECT chat_id, user_id, is_admin, joined_at FROM chat_members WHERE chat_id IN (\(list)) ORDER BY chat_id, position",
            ids.map(\.sql)
        ) { row in
            let chatId = try row.id(0)
            let member = try row.id(1)
            chats[chatId]?.participants.append(member)
            if row.bool(2) { chats[chatId]?.admins.append(member) }
            chats[chatId]?.joinedAt[member] = row.date(3)
        }
        return chats
    }
}
