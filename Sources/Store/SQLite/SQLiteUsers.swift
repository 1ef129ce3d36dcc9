import Foundation
import ParleyCore
import ParleyStore

struct SQLiteUsers: UserRepository {
    let database: SQLiteDatabase

    static let columns = "id, username, email, password_hash, name, avatar_url, about, last_seen, created_at, updated_at"

    func insert(_ user: UserRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO users (id, username, email, email_key, password_hash, name, avatar_url, about, last_seen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    user.id.sql, user.username.sql, user.email.sql, user.email.lowercased().sql, user.passwordHash.sql, user.name.sql,
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

    func find(email: String) async throws -> UserRecord? {
        try database.read { db in try Self.load(db, where: "email_key = ?", email.lowercased().sql) }
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

    func setPasswordHash(id: ObjectId, _ hash: String, at date: Date) async throws {
        try await database.write { db in
            try db.run("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", [hash.sql, date.sql, id.sql])
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

    func isBlocked(_ a: ObjectId, _ b: ObjectId) async throws -> Bool {
        try database.read { db in
            try db.first(
                "SELECT 1 FROM user_blocks WHERE (user_id = ? AND blocked_id = ?) OR (user_id = ? AND blocked_id = ?)",
                [a.sql, b.sql, b.sql, a.sql]
            ) { _ in true } ?? false
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
                        passwordHash: row.text(3),
                        name: row.text(4),
                        avatarUrl: row.optionalText(5),
                        about: row.optionalText(6),
                        lastSeen: row.optionalDate(7),
                        createdAt: row.date(8),
                        updatedAt: row.date(9)
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

struct SQLiteSessions: SessionRepository {
    let database: SQLiteDatabase

    private static let select = "SELECT s.id, s.user_id, s.token_hash, s.user_agent, s.ip_address, s.created_at, s.expires_at FROM sessions s"

    private static func record(_ row: SQLRow) throws -> SessionRecord {
        SessionRecord(
            id: try row.id(0),
            userId: try row.id(1),
            refreshTokenHash: row.text(2),
            userAgent: row.text(3),
            ipAddress: row.text(4),
            createdAt: row.date(5),
            expiresAt: row.date(6)
        )
    }

    func insert(_ session: SessionRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    session.id.sql, session.userId.sql, session.refreshTokenHash.sql, session.userAgent.sql, session.ipAddress.sql,
                    session.createdAt.sql, session.expiresAt.sql,
                ]
            )
        }
    }

    func find(tokenHash: String) async throws -> SessionMatch? {
        try database.read { db in
            if let current = try db.first("\(Self.select) WHERE s.token_hash = ?", [tokenHash.sql], Self.record) { return .current(current) }
            let rotated = try db.first(
                "\(Self.select) JOIN session_retired_tokens r ON r.session_id = s.id WHERE r.token_hash = ?",
                [tokenHash.sql],
                Self.record
            )
            return rotated.map { .rotated($0) }
        }
    }

    func rotate(sessionId: ObjectId, from old: String, to new: String, expiresAt: Date) async throws -> Bool {
        try await database.write { db in
            let changed = try db.run(
                "UPDATE sessions SET token_hash = ?, expires_at = ? WHERE id = ? AND token_hash = ?",
                [new.sql, expiresAt.sql, sessionId.sql, old.sql]
            )
            guard changed == 1 else { return false }
            try db.run("INSERT OR IGNORE INTO session_retired_tokens VALUES (?, ?)", [old.sql, sessionId.sql])
            return true
        }
    }

    func delete(id: ObjectId) async throws {
        try await database.write { db in
            try db.run("DELETE FROM session_retired_tokens WHERE session_id = ?", [id.sql])
            try db.run("DELETE FROM sessions WHERE id = ?", [id.sql])
        }
    }

    func deleteAll(userId: ObjectId) async throws {
        try await database.write { db in
            try db.run("DELETE FROM session_retired_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)", [userId.sql])
            try db.run("DELETE FROM sessions WHERE user_id = ?", [userId.sql])
        }
    }

    func deleteExpired(before date: Date) async throws {
        try await database.write { db in
            try db.run("DELETE FROM session_retired_tokens WHERE session_id IN (SELECT id FROM sessions WHERE expires_at <= ?)", [date.sql])
            try db.run("DELETE FROM sessions WHERE expires_at <= ?", [date.sql])
            try db.run("DELETE FROM password_resets WHERE expires_at <= ?", [date.sql])
        }
    }
}

struct SQLitePasswordResets: PasswordResetRepository {
    let database: SQLiteDatabase

    func insert(_ token: PasswordResetRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [token.tokenHash.sql, token.userId.sql, token.createdAt.sql, token.expiresAt.sql]
            )
        }
    }

    func consume(tokenHash: String, at date: Date) async throws -> ObjectId? {
        try await database.write { db in
            let used = try db.run(
                "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                [date.sql, tokenHash.sql, date.sql]
            )
            guard used == 1, let user = try db.first("SELECT user_id FROM password_resets WHERE token_hash = ?", [tokenHash.sql], { try $0.id(0) })
            else { return nil }
            try db.run("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", [date.sql, user.sql])
            return user
        }
    }
}

struct SQLiteMedia: MediaRepository {
    let database: SQLiteDatabase

    func insert(_ media: MediaRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO media VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    media.id.sql, media.userId.sql, media.fileName.sql, media.fileType.sql, .integer(Int64(media.fileSize)), media.storageKey.sql,
                    media.url.sql, media.createdAt.sql, media.uploadedAt?.sql ?? .null,
                ]
            )
        }
    }

    func find(id: ObjectId) async throws -> MediaRecord? {
        try database.read { db in
            try db.first(
                "SELECT id, user_id, file_name, file_type, file_size, storage_key, url, created_at, uploaded_at FROM media WHERE id = ?",
                [id.sql]
            ) { row in
                MediaRecord(
                    id: try row.id(0),
                    userId: try row.id(1),
                    fileName: row.text(2),
                    fileType: row.text(3),
                    fileSize: Int(row.int(4)),
                    storageKey: row.text(5),
                    url: row.text(6),
                    createdAt: row.date(7),
                    uploadedAt: row.optionalDate(8)
                )
            }
        }
    }

    func markUploaded(id: ObjectId, at date: Date) async throws -> Bool {
        try await database.write { db in
            try db.run("UPDATE media SET uploaded_at = ? WHERE id = ? AND uploaded_at IS NULL", [date.sql, id.sql]) == 1
        }
    }
}

struct SQLitePushSubscriptions: PushSubscriptionRepository {
    let database: SQLiteDatabase

    func upsert(_ subscription: PushSubscriptionRecord) async throws {
        try await database.write { db in
            try db.run(
                """
                INSERT INTO push_subscriptions VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
                    user_agent = excluded.user_agent, created_at = excluded.created_at
                """,
                [
                    subscription.id.sql, subscription.userId.sql, subscription.endpoint.sql, subscription.p256dh.sql, subscription.auth.sql,
                    subscription.userAgent.sql, subscription.createdAt.sql,
                ]
            )
        }
    }

    func find(userId: ObjectId) async throws -> [PushSubscriptionRecord] {
        try database.read { db in
            try db.rows(
                "SELECT id, user_id, endpoint, p256dh, auth, user_agent, created_at FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id",
                [userId.sql]
            ) { row in
                PushSubscriptionRecord(
                    id: try row.id(0),
                    userId: try row.id(1),
                    endpoint: row.text(2),
                    p256dh: row.text(3),
                    auth: row.text(4),
                    userAgent: row.optionalText(5),
                    createdAt: row.date(6)
                )
            }
        }
    }

    func delete(endpoint: String, ownedBy userId: ObjectId?) async throws {
        try await database.write { db in
            if let userId {
                _ = try db.run("DELETE FROM push_subscriptions WHERE endpoint = ? AND user_id = ?", [endpoint.sql, userId.sql])
            } else {
                _ = try db.run("DELETE FROM push_subscriptions WHERE endpoint = ?", [endpoint.sql])
            }
        }
    }
}
