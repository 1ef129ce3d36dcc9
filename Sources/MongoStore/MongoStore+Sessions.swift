import Foundation
import ParleyCore
import ParleyStore

/// sessions: `{_id, userId, refreshTokenHash (unique), retiredTokenHashes: [string] (indexed), userAgent, ipAddress,
/// createdAt, expiresAt (TTL)}`. A token the session rotated away from stays in `retiredTokenHashes`, so that
/// presenting it again is recognized as a replay for as long as the session lives.
struct MongoSessions: SessionRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.sessions }

    static func record(_ document: Document) throws -> SessionRecord {
        SessionRecord(
            id: try document.objectId("_id"),
            userId: try document.objectId("userId"),
            refreshTokenHash: try document.string("refreshTokenHash"),
            userAgent: try document.string("userAgent"),
            ipAddress: try document.string("ipAddress"),
            createdAt: try document.date("createdAt"),
            expiresAt: try document.date("expiresAt")
        )
    }

    static let projection: Document = ["retiredTokenHashes": .int32(0)]

    func insert(_ session: SessionRecord) async throws {
        try await store.insert(
            collection,
            [
                "_id": session.id.bson, "userId": session.userId.bson, "refreshTokenHash": session.refreshTokenHash.bson,
                "retiredTokenHashes": .array([]), "userAgent": session.userAgent.bson, "ipAddress": session.ipAddress.bson,
                "createdAt": session.createdAt.bson, "expiresAt": session.expiresAt.bson,
            ]
        )
    }

    func find(tokenHash: String) async throws -> SessionMatch? {
        let collection = collection
        return try await store.run { connection in
            if let current = try connection.findOne(collection, ["refreshTokenHash": tokenHash.bson], projection: Self.projection) {
                return .current(try Self.record(current))
            }
            return try connection.findOne(collection, ["retiredTokenHashes": tokenHash.bson], projection: Self.projection)
                .map { .rotated(try Self.record($0)) }
        }
    }

    func rotate(sessionId: ObjectId, from old: String, to new: String, expiresAt: Date) async throws -> Bool {
        let collection = collection
        return try await store.run { connection in
            let result = try connection.updateOne(
                collection,
                ["_id": sessionId.bson, "refreshTokenHash": old.bson],
                [
                    "$set": .document(["refreshTokenHash": new.bson, "expiresAt": expiresAt.bson]),
                    "$addToSet": .document(["retiredTokenHashes": old.bson]),
                ]
            )
            if result.matched == 1 { return true }
            // A retry after a lost reply: the first attempt may have rotated to our (random, unguessed) new token.
            guard connection.retried else { return false }
            return try connection.findOne(collection, ["_id": sessionId.bson, "refreshTokenHash": new.bson], projection: ["_id": .int32(1)]) != nil
        }
    }

    func delete(id: ObjectId) async throws {
        let collection = collection
        try await store.run { connection in _ = try connection.deleteOne(collection, ["_id": id.bson]) }
    }

    func deleteAll(userId: ObjectId) async throws {
        let collection = collection
        try await store.run { connection in _ = try connection.deleteMany(collection, ["userId": userId.bson]) }
    }

    /// The TTL indexes do this within a minute or so on their own; this is for exact, immediate clean-up.
    func deleteExpired(before date: Date) async throws {
        let collection = collection
        try await store.run { connection in
            try connection.deleteMany(collection, ["expiresAt": .document(["$lte": date.bson])])
            try connection.deleteMany(MongoSchema.passwordResets, ["expiresAt": .document(["$lte": date.bson])])
        }
    }
}
