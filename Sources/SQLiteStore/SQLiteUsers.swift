import Foundation
import ParleyCore
import ParleyStore

struct SQLiteUsers: UserRepository {
    let database: SQLiteDatabase

    static let columns = "id, username, email, name, avatar_url, about, last_seen, created_at, updated_at"

    func insert(_ user: UserRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO users (id, username, email, email_key, name, avatar_url, about, last_seen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    user.id.sql, user.username.sql, user.email.sql, user.email.lowercased().sql, user.name.sql,
                    user.avatarUrl.sql, user.about.sql, user.lastSeen.sql, user.createdAt.sql, user.updatedAt.sql,
                ]
            )
            try Self.writeSearchTerms(db, user.id, user.searchTerms)
            for contact in user.contacts {
                try db.run("INSERT OR IGNORE INTO user_contacts VALUES (?, ?, ?)", [user.id.sql, contact.sql, user.createdAt.sql])
            }
            for blocked in user.blocked {
                try db.run("INSERT OR IGNORE INTO user_blocks VALUES (?, ?, ?)", [user.id.sql, blocked.sql, user.createdAt.sql])
            }
        }
    }

    func find(id: ObjectId) async throws -> UserRecord? {
        try database.read { db in try Self.load(db, where: "id = ?", id.sql) }
    }

    func find(ids: [ObjectId]) async throws -> [UserRecord] {
        try database.read { db in try ids.compactMap { try Self.load(db, where: "id = ?", $0.sql) } }
    }

    func updateProfile(id: ObjectId, _ changes: ProfileChanges, at date: Date) async throws -> UserRecord? {
        try await database.write { db in
            let changed = try db.run(
                "UPDATE users SET name = coalesce(?, name), avatar_url = coalesce(?, avatar_url), about = coalesce(?, about), updated_at = ? WHERE id = ?",
                [changes.name.sql, changes.avatarUrl.sql, changes.about.sql, date.sql, id.sql]
            )
            guard changed > 0, let user = try Self.load(db, where: "id = ?", id.sql) else { return nil }
            if changes.name != nil {
                try db.run("DELETE FROM user_search_terms WHERE user_id = ?", [id.sql])
                try Self.writeSearchTerms(db, id, user.searchTerms)
            }
            return user
        }
    }

    func setLastSeen(id: ObjectId, _ date: Date) async throws {
        try await database.write { db in
            try db.run("UPDATE users SET last_seen = MAX(COALESCE(last_seen, ?1), ?1) WHERE id = ?2", [date.sql, id.sql])
        }
    }

    func block(userId: ObjectId, target: ObjectId) async throws {
        try await database.write { db in
            try db.run("INSERT OR IGNORE INTO user_blocks VALUES (?, ?, ?)", [userId.sql, target.sql, Date().sql])
        }
    }

    func unblock(userId: ObjectId, target: ObjectId) async throws {
        try await database.write { db in
            try db.run("DELETE FROM user_blocks WHERE user_id = ? AND blocked_id = ?", [userId.sql, target.sql])
        }
    }

    func relations(of user: ObjectId, to others: [ObjectId]) async throws -> UserRelations {
        guard !others.isEmpty else { return UserRelations() }
        let list = Array(repeating: "?", count: others.count).joined(separator: ", ")
        let ids = others.map(\.sql)
        return try database.read { db in
            UserRelations(
                known: Set(try db.rows("SELECT id FROM users WHERE id IN (\(list))", ids) { try $0.id(0) }),
                blocking: Set(
                    try db.rows("SELECT blocked_id FROM user_blocks WHERE user_id = ? AND blocked_id IN (\(list))", [user.sql] + ids) { try $0.id(0) }
                ),
                blockedBy: Set(
                    try db.rows("SELECT user_id FROM user_blocks WHERE blocked_id = ? AND user_id IN (\(list))", [user.sql] + ids) { try $0.id(0) }
                )
            )
        }
    }

    func search(prefix: String, viewer: ObjectId, limit: Int) async throws -> [UserRecord] {
        let low = prefix.lowercased()
        guard !low.isEmpty, limit > 0 else { return [] }
        return try database.read { db in
            let ids = try db.rows(
                """
                SELECT DISTINCT u.id, u.username FROM user_search_terms t JOIN users u ON u.id = t.user_id
                WHERE t.term >= ? AND t.term < ? AND u.id != ?
                  AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE (b.user_id = ? AND b.blocked_id = u.id) OR (b.user_id = u.id AND b.blocked_id = ?))
                ORDER BY u.username LIMIT ?
                """,
                [low.sql, (low + "\u{10FFFF}").sql, viewer.sql, viewer.sql, viewer.sql, .integer(Int64(limit))]
            ) { try $0.id(0) }
            return try ids.compactMap { try Self.load(db, where: "id = ?", $0.sql) }
        }
    }

    static func writeSearchTerms(_ db: SQLiteConnection, _ id: ObjectId, _ terms: [String]) throws {
        for term in terms { try db.run("INSERT OR IGNORE INTO user_search_terms (term, user_id) VALUES (?, ?)", [term.sql, id.sql]) }
    }

    static func load(_ db: SQLiteConnection, where condition: String, _ value: SQLValue) throws -> UserRecord? {
        guard
            var user = try db.first(
                "SELECT \(columns) FROM users WHERE \(condition)",
                [value],
                { row in
                    UserRecord(
                        id: try row.id(0),
                        username: row.text(1),
                        email: row.text(2),
                        name: row.text(3),
                        avatarUrl: row.optionalText(4),
                        about: row.optionalText(5),
                        lastSeen: row.optionalDate(6),
                        createdAt: row.date(7),
                        updatedAt: row.date(8)
                    )
                }
            )
        else { return nil }
        user.contacts = try db.rows("SELECT contact_id FROM user_contacts WHERE user_id = ? ORDER BY added_at, contact_id", [user.id.sql]) {
            try $0.id(0)
        }
        user.blocked = try db.rows("SELECT blocked_id FROM user_blocks WHERE user_id = ? ORDER BY added_at, blocked_id", [user.id.sql]) {
            try $0.id(0)
        }
        return user
    }
}
