import Foundation
import ParleyCore
import ParleyStore

/// media: `{_id, userId, fileName, fileType, fileSize, storageKey, url, createdAt}`.
struct MongoMedia: MediaRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.media }

    func insert(_ media: MediaRecord) async throws {
        var document: Document = [
            "_id": media.id.bson, "userId": media.userId.bson, "fileName": media.fileName.bson, "fileType": media.fileType.bson,
            "fileSize": .int64(Int64(media.fileSize)), "storageKey": media.storageKey.bson, "url": media.url.bson,
            "createdAt": media.createdAt.bson,
        ]
        if let uploadedAt = media.uploadedAt { document["uploadedAt"] = uploadedAt.bson }
        try await store.insert(collection, document)
    }

    func find(id: ObjectId) async throws -> MediaRecord? {
        let collection = collection
        return try await store.run { connection in
            try connection.findOne(collection, ["_id": id.bson]).map { document in
                MediaRecord(
                    id: try document.objectId("_id"),
                    userId: try document.objectId("userId"),
                    fileName: try document.string("fileName"),
                    fileType: try document.string("fileType"),
                    fileSize: try document.int("fileSize"),
                    storageKey: try document.string("storageKey"),
                    url: try document.string("url"),
                    createdAt: try document.date("createdAt"),
                    uploadedAt: try document.optionalDate("uploadedAt")
                )
            }
        }
    }

    func markUploaded(id: ObjectId, at date: Date) async throws -> Bool {
        let collection = collection
        return try await store.run { connection in
            try connection.updateOne(
                collection,
                ["_id": id.bson, "uploadedAt": .document(["$exists": false.bson])],
                ["$set": .document(["uploadedAt": date.bson])]
            ).modified == 1
        }
    }
}
