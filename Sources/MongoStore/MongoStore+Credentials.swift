import Foundation
import ParleyCore
import ParleyStore

/// credentials: `{_id: userId, email, emailKey, passwordHash, createdAt, updatedAt}`; `emailKey` (lowercased) is unique.
struct MongoCredentials: CredentialRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.credentials }

    func insert(_ credential: CredentialRecord) async throws {
        try await store.insert(
            collection,
            [
                "_id": credential.userId.bson, "email": credential.email.bson, "emailKey": credential.email.lowercased().bson,
                "passwordHash": credential.passwordHash.bson, "createdAt": credential.createdAt.bson, "updatedAt": credential.updatedAt.bson,
            ]
        )
    }

    func find(userId: ObjectId) async throws -> CredentialRecord? {
        try await findOne(["_id": userId.bson])
    }

    func find(email: String) async throws -> CredentialRecord? {
        try await findOne(["emailKey": email.lowercased().bson])
    }

    private func findOne(_ filter: Document, function: StaticString = #function) async throws -> CredentialRecord? {
        let collection = collection
        return try await store.run(function: function) { connection in
            try connection.findOne(collection, filter).map { document in
                CredentialRecord(
                    userId: try document.objectId("_id"),
                    email: try document.string("email"),
                    passwordHash: try document.string("passwordHash"),
                    createdAt: try document.date("createdAt"),
                    updatedAt: try document.date("updatedAt")
                )
            }
        }
    }

    func setPasswordHash(userId: ObjectId, _ hash: String, at date: Date) async throws {
        let collection = collection
        try await store.run { connection in
            _ = try connection.updateOne(collection, ["_id": userId.bson], ["$set": .document(["passwordHash": hash.bson, "updatedAt": date.bson])])
        }
    }

    func delete(userId: ObjectId) async throws {
        let collection = collection
        try await store.run { connection in _ = try connection.deleteOne(collection, ["_id": userId.bson]) }
    }
}
