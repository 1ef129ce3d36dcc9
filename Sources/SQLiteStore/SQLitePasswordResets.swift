import Foundation
import ParleyCore
import ParleyStore

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
