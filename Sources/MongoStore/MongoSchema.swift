import CMongoC
import Foundation
import ParleyStore

/// Collections and indexes. `migrate` creates what is missing and leaves the rest: creating an existing
/// collection or an identical index is a no-op, so it runs at every start.
enum MongoSchema {
    static let users = "users"
    static let credentials = "credentials"
    static let sessions = "sessions"
    static let passwordResets = "passwordResets"
    static let chats = "chats"
    static let messages = "messages"
    static let media = "media"
    static let pushSubscriptions = "pushSubscriptions"

    static let collections = [users, credentials, sessions, passwordResets, chats, messages, media, pushSubscriptions]

    /// A unique index's field (as found in its name) → the key `StoreError.duplicate` names.
    static let uniqueKeys: [(field: String, key: String)] = [
        ("username", "username"), ("emailKey", "email"), ("directKey", "directKey"), ("tempId", "tempId"), ("endpoint", "endpoint"),
        ("refreshTokenHash", "tokenHash"),
    ]

    struct Index {
        var keys: Document
        var unique = false
        /// Only documents that have the field: group chats have no directKey, most messages no tempId.
        var partial: Document?
        var expireAfterSeconds: Int32?

        /// MongoDB's default name ("chatId_1_createdAt_-1__id_-1"), so that indexes made by hand or by other
        /// tools with the same keys are recognized rather than duplicated.
        var name: String {
            keys.fields.map { field in
                switch field.value {
                case .int32(let direction): "\(field.key)_\(direction)"
                case .string(let kind): "\(field.key)_\(kind)"
                default: field.key
                }
            }.joined(separator: "_")
        }

        var specification: Document {
            var spec: Document = ["key": .document(keys), "name": .string(name)]
            if unique { spec["unique"] = true.bson }
            if let partial { spec["partialFilterExpression"] = .document(partial) }
            if let expireAfterSeconds { spec["expireAfterSeconds"] = .int32(expireAfterSeconds) }
            return spec
        }
    }

    static let ascending = BSON.int32(1), descending = BSON.int32(-1)
    static let present: Document = ["$exists": true.bson]

    /// On a sharded cluster a unique index must start with the shard key, so there the (senderId, tempId)
    /// key is unique within a chat (`chatId` first), and a plain index serves lookups by sender.
    static func indexes(sharded: Bool) -> [(collection: String, indexes: [Index])] {
        let tempId: [Index] =
            sharded
            ? [
                Index(
                    keys: ["chatId": ascending, "senderId": ascending, "tempId": ascending],
                    unique: true,
                    partial: ["tempId": .document(present)]
                ),
                Index(keys: ["senderId": ascending, "tempId": ascending], partial: ["tempId": .document(present)]),
            ]
            : [Index(keys: ["senderId": ascending, "tempId": ascending], unique: true, partial: ["tempId": .document(present)])]
        return [
            (
                users,
                [
                    Index(keys: ["username": ascending], unique: true),
                    Index(keys: ["emailKey": ascending], unique: true),
                    Index(keys: ["searchTerms": ascending, "username": ascending]),
                ]
            ),
            (credentials, [Index(keys: ["emailKey": ascending], unique: true)]),
            (
                sessions,
                [
                    Index(keys: ["refreshTokenHash": ascending], unique: true),
                    Index(keys: ["retiredTokenHashes": ascending]),
                    Index(keys: ["userId": ascending]),
                    Index(keys: ["expiresAt": ascending], expireAfterSeconds: 0),
                ]
            ),
            (
                passwordResets,
                [
                    Index(keys: ["userId": ascending]),
                    Index(keys: ["expiresAt": ascending], expireAfterSeconds: 0),
                ]
            ),
            (
                chats,
                [
                    Index(keys: ["directKey": ascending], unique: true, partial: ["directKey": .document(present)]),
                    Index(keys: ["participants": ascending, "updatedAt": descending, "_id": descending]),
                    Index(keys: ["updatedAt": descending]),
                ]
            ),
            (
                messages,
                [
                    Index(keys: ["chatId": ascending, "createdAt": descending, "_id": descending]),
                    Index(keys: ["senderId": ascending]),
                ] + tempId
            ),
            (media, [Index(keys: ["userId": ascending])]),
            (
                pushSubscriptions,
                [
                    Index(keys: ["endpoint": ascending], unique: true),
                    Index(keys: ["userId": ascending, "createdAt": ascending]),
                ]
            ),
        ]
    }

    static func migrate(_ connection: MongoConnection) throws {
        let hello = try connection.command(["hello": .int32(1)], database: "admin")
        let sharded = (try? hello.string("msg")) == "isdbgrid"
        for collection in collections {
            do {
                try connection.command(["create": .string(collection)], writes: true)
            } catch let error as MongoError where error.code == 48 {
                // NamespaceExists: created by an earlier run.
            }
        }
        for (collection, indexes) in indexes(sharded: sharded) {
            try connection.command(
                ["createIndexes": .string(collection), "indexes": .array(indexes.map { .document($0.specification) })],
                writes: true
            )
        }
        if sharded { try shardMessages(connection) }
        try moveCredentials(connection)
    }

    /// Users registered before credentials had a collection of their own kept their password hash in `users`: each is
    /// copied (an upsert that keeps a credential already there) and then removed, so an interrupted run resumes.
    private static func moveCredentials(_ connection: MongoConnection) throws {
        let legacy: Document = ["passwordHash": .document(present)]
        while true {
            let batch = try connection.find(
                users,
                legacy,
                limit: 500,
                projection: ["email": .int32(1), "passwordHash": .int32(1), "createdAt": .int32(1), "updatedAt": .int32(1)]
            )
            guard !batch.isEmpty else { return }
            for user in batch {
                let id = try user.objectId("_id")
                let email = try user.string("email")
                let credential: Document = [
                    "email": email.bson, "emailKey": email.lowercased().bson, "passwordHash": try user.string("passwordHash").bson,
                    "createdAt": try user.date("createdAt").bson, "updatedAt": try user.date("updatedAt").bson,
                ]
                _ = try connection.updateOne(credentials, ["_id": id.bson], ["$setOnInsert": .document(credential)], upsert: true)
                _ = try connection.updateOne(users, ["_id": id.bson], ["$unset": .document(["passwordHash": .string("")])])
            }
        }
    }

    /// Messages are sharded on `chatId`: a chat's history lives on one shard and every page is a targeted
    /// range scan. The other collections stay unsharded (their unique keys could not all lead a shard key).
    private static func shardMessages(_ connection: MongoConnection) throws {
        do {
            try connection.command(["enableSharding": .string(connection.database)], database: "admin", writes: true)
        } catch let error as MongoError where error.domain == MONGOC_ERROR_SERVER.rawValue {
            // Not needed from MongoDB 6.0 on, and refused where already enabled on older servers.
        }
        do {
            try connection.command(
                ["shardCollection": .string("\(connection.database).\(messages)"), "key": .document(["chatId": ascending])],
                database: "admin",
                writes: true
            )
        } catch let error as MongoError where error.domain == MONGOC_ERROR_SERVER.rawValue && error.message.contains("already") {
            // Sharded by an earlier run.
        }
    }
}
