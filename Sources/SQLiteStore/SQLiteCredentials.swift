import Foundation
import ParleyCore
import ParleyStore

struct SQLiteCredentials: CredentialRepository {
    let database: SQLiteDatabase

    func insert(_ credential: CredentialRecord) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO credentials (user_id, email, email_key, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    credential.userId.sql, credential.email.sql, credential.email.lowercased().sql, credential.passwordHash.sql,
                    credential.createdAt.sql, credential.updatedAt.sql,
                ]
            )
        }
    }

    func find(userId: ObjectId) async throws -> CredentialRecord? {
        try database.read { db in try Self.load(db, where: "user_id = ?", userId.sql) }
    }

    func find(email: String) async throws -> CredentialRecord? {
        try database.read { db in try Self.load(db, where: "email_key = ?", email.lowercased().sql) }
    }

    func setPasswordHash(userId: ObjectId, _ hash: String, at date: Date) async throws {
        try await database.write { db in
            try db.run("UPDATE credentials SET password_hash = ?, updated_at = ? WHERE user_id = ?", [hash.sql, date.sql, userId.sql])
        }
    }

    func delete(userId: ObjectId) async throws {
        try await database.write { db in try db.run("DELETE FROM credentials WHERE user_id = ?", [userId.sql]) }
    }

    private static func load(_ db: SQLiteConnection, where condition: String, _ value: SQLValue) throws -> CredentialRecord? {
        try db.first(
            "SELECT user_id, email, password_hash, created_at, updated_at FROM credentials WHERE \(condition)",
            [value]
        ) { row in
            CredentialRecord(
                userId: try row.id(0),
                email: row.text(1),
                passwordHash: row.text(2),
                createdAt: row.date(3),
                updatedAt: row.date(4)
            )
        }
    }
}
