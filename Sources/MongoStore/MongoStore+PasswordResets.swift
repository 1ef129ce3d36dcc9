import Foundation
import ParleyCore
import ParleyStore

/// passwordResets: `{_id: tokenHash, userId, createdAt, expiresAt (TTL), usedAt?, usedBy?}`.
struct MongoPasswordResets: PasswordResetRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.passwordResets }

    func insert(_ token: PasswordResetRecord) async throws {
        try await store.insert(
            collection,
            [
                "_id": token.tokenHash.bson, "userId": token.userId.bson, "createdAt": token.createdAt.bson, "expiresAt": token.expiresAt.bson,
            ]
        )
    }

    /// One findAndModify: of concurrent consumers exactly one sees the token unused.
    func consume(tokenHash: String, at date: Date) async throws -> ObjectId? {
        let collection = collection
        // Marks this call's use, so that a retry after a lost reply can tell its own use from another's.
        let use = ObjectId()
        return try await store.run { connection in
            let filter: Document = ["_id": tokenHash.bson, "usedAt": .null, "expiresAt": .document(["$gt": date.bson])]
            var user: ObjectId?
            if let used = try connection.findAndModify(
                collection,
                filter,
                update: .document(["$set": .document(["usedAt": date.bson, "usedBy": use.bson])]),
                projection: ["userId": .int32(1)]
            ) {
                user = try used.objectId("userId")
            } else if connection.retried {
                user = try connection.findOne(collection, ["_id": tokenHash.bson, "usedBy": use.bson], projection: ["userId": .int32(1)])?.objectId(
                    "userId"
                )
            }
            guard let user else { return nil }
            // Idempotent, so a retry after a lost reply does no harm.
            _ = try connection.updateMany(collection, ["userId": user.bson, "usedAt": .null], ["$set": .document(["usedAt": date.bson])])
            return user
        }
    }
}
