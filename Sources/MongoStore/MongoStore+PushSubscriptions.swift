import Foundation
import ParleyCore
import ParleyStore

/// pushSubscriptions: `{_id, userId, endpoint (unique), p256dh, auth, userAgent?, createdAt}`.
struct MongoPushSubscriptions: PushSubscriptionRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.pushSubscriptions }

    /// An upsert on the endpoint: a known endpoint keeps its id and moves to this user with the new keys.
    func upsert(_ subscription: PushSubscriptionRecord) async throws {
        let collection = collection
        var set: Document = [
            "userId": subscription.userId.bson, "p256dh": subscription.p256dh.bson, "auth": subscription.auth.bson,
            "createdAt": subscription.createdAt.bson,
        ]
        var update: Document = ["$setOnInsert": .document(["_id": subscription.id.bson])]
        if let userAgent = subscription.userAgent {
            set["userAgent"] = userAgent.bson
        } else {
            update["$unset"] = .document(["userAgent": .string("")])
        }
        update["$set"] = .document(set)
        try await store.run { [update] connection in
            let filter: Document = ["endpoint": subscription.endpoint.bson]
            do {
                try connection.updateOne(collection, filter, update, upsert: true)
            } catch let error as MongoError where error.isDuplicateKey {
                // Two upserts of a new endpoint raced and the other inserted first: now it is an update.
                try connection.updateOne(collection, filter, update, upsert: true)
            }
        }
    }

    func find(userId: ObjectId) async throws -> [PushSubscriptionRecord] {
        let collection = collection
        return try await store.run { connection in
            try connection.find(collection, ["userId": userId.bson], sort: ["createdAt": .int32(1), "_id": .int32(1)]).map { document in
                PushSubscriptionRecord(
                    id: try document.objectId("_id"),
                    userId: try document.objectId("userId"),
                    endpoint: try document.string("endpoint"),
                    p256dh: try document.string("p256dh"),
                    auth: try document.string("auth"),
                    userAgent: try document.optionalString("userAgent"),
                    createdAt: try document.date("createdAt")
                )
            }
        }
    }

    func delete(endpoint: String, ownedBy userId: ObjectId?) async throws {
        let collection = collection
        var filter: Document = ["endpoint": endpoint.bson]
        if let userId { filter["userId"] = userId.bson }
        try await store.run { [filter] connection in _ = try connection.deleteOne(collection, filter) }
    }
}
