import Foundation
import ParleyCore
import ParleyStore

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
