import Foundation
import ParleyCore
import ParleyStore

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
