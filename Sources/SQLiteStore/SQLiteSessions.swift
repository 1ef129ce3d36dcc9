import Foundation
import ParleyCore
import ParleyStore

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
