import Foundation
import ParleyCore
import ParleyStore

/// users: `{_id, username, email, emailKey, name, avatarUrl?, about?, contacts: [id], blocked: [id],
/// lastSeen?, createdAt, updatedAt, searchTerms: [string]}`. `emailKey` (lowercased) and `username` are unique;
/// `searchTerms` (lowercased username and name words) is indexed for prefix search without `$text`.
struct MongoUsers: UserRepository {
    let store: MongoStore
    private var collection: String { MongoSchema.users }

    static func document(_ user: UserRecord) -> Document {
        var document: Document = [
            "_id": user.id.bson, "username": user.username.bson, "email": user.email.bson, "emailKey": user.email.lowercased().bson,
            "name": user.name.bson,
        ]
        if let avatarUrl = user.avatarUrl { document["avatarUrl"] = avatarUrl.bson }
        if let about = user.about { document["about"] = about.bson }
        // The SQLite store lists contacts given at creation in id order; so does this one.
        document["contacts"] = Array(Set(user.contacts)).sorted().bson
        document["blocked"] = Array(Set(user.blocked)).sorted().bson
        if let lastSeen = user.lastSeen { document["lastSeen"] = lastSeen.bson }
        document["createdAt"] = user.createdAt.bson
        document["updatedAt"] = user.updatedAt.bson
        document["searchTerms"] = user.searchTerms.bson
        return document
    }

    static func record(_ document: Document) throws -> UserRecord {
        UserRecord(
            id: try document.objectId("_id"),
            username: try document.string("username"),
            email: try document.string("email"),
            name: try document.string("name"),
            avatarUrl: try document.optionalString("avatarUrl"),
            about: try document.optionalString("about"),
            contacts: try document.objectIds("contacts"),
            blocked: try document.objectIds("blocked"),
            lastSeen: try document.optionalDate("lastSeen"),
            createdAt: try document.date("createdAt"),
            updatedAt: try document.date("updatedAt")
        )
    }

    /// Everything but the search terms, which only queries need.
    static let projection: Document = ["searchTerms": .int32(0), "emailKey": .int32(0)]

    func insert(_ user: UserRecord) async throws {
        try await store.insert(collection, Self.document(user))
    }

    func find(id: ObjectId) async throws -> UserRecord? {
        let collection = collection
        return try await store.run { connection in
            try connection.findOne(collection, ["_id": id.bson], projection: Self.projection).map(Self.record)
        }
    }

    func find(ids: [ObjectId]) async throws -> [UserRecord] {
        guard !ids.isEmpty else { return [] }
        let collection = collection
        let found = try await store.run { connection in
            try connection.find(collection, ["_id": .document(["$in": ids.bson])], projection: Self.projection).map(Self.record)
        }
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byId[$0] }
    }

    func updateProfile(id: ObjectId, _ changes: ProfileChanges, at date: Date) async throws -> UserRecord? {
        let collection = collection
        return try await store.run { connection in
            var set: Document = [:]
            if let name = changes.name {
                // The username never changes, so the terms computed from it and the new name stay consistent.
                guard let current = try connection.findOne(collection, ["_id": id.bson], projection: ["username": .int32(1)]) else { return nil }
                set["name"] = name.bson
                set["searchTerms"] = UserRecord.searchTerms(username: try current.string("username"), name: name).bson
            }
            if let avatarUrl = changes.avatarUrl { set["avatarUrl"] = avatarUrl.bson }
            if let about = changes.about { set["about"] = about.bson }
            set["updatedAt"] = date.bson
            return try connection.findAndModify(
                collection,
                ["_id": id.bson],
                update: .document(["$set": .document(set)]),
                projection: Self.projection
            ).map(Self.record)
        }
    }

    func setLastSeen(id: ObjectId, _ date: Date) async throws {
        try await update(id, ["$max": .document(["lastSeen": date.bson])])
    }

    func block(userId: ObjectId, target: ObjectId) async throws {
        try await update(userId, ["$addToSet": .document(["blocked": target.bson])])
    }

    func unblock(userId: ObjectId, target: ObjectId) async throws {
        try await update(userId, ["$pull": .document(["blocked": target.bson])])
    }

    private func update(_ id: ObjectId, _ update: Document, function: StaticString = #function) async throws {
        let collection = collection
        try await store.run(function: function) { connection in _ = try connection.updateOne(collection, ["_id": id.bson], update) }
    }

    func relations(of user: ObjectId, to others: [ObjectId]) async throws -> UserRelations {
        guard !others.isEmpty else { return UserRelations() }
        let collection = collection
        return try await store.run { connection in
            let found = try connection.find(collection, ["_id": .document(["$in": others.bson])], projection: ["_id": .int32(1)])
            let blockers = try connection.find(
                collection,
                ["_id": .document(["$in": others.bson]), "blocked": user.bson],
                projection: ["_id": .int32(1)]
            )
            let blocked = try connection.findOne(collection, ["_id": user.bson], projection: ["blocked": .int32(1)])?.objectIds("blocked") ?? []
            return UserRelations(
                known: Set(try found.map { try $0.objectId("_id") }),
                blocking: Set(blocked).intersection(others),
                blockedBy: Set(try blockers.map { try $0.objectId("_id") })
            )
        }
    }

    func search(prefix: String, viewer: ObjectId, limit: Int) async throws -> [UserRecord] {
        let low = prefix.lowercased()
        guard !low.isEmpty, limit > 0 else { return [] }
        let collection = collection
        return try await store.run { connection in
            let blockedByViewer =
                try connection.findOne(collection, ["_id": viewer.bson], projection: ["blocked": .int32(1)])?.objectIds("blocked") ?? []
            // A range over the indexed terms: every string that starts with `low`, with `low` bound as a value.
            let filter: Document = [
                "searchTerms": .document(["$gte": low.bson, "$lt": (low + "\u{10FFFF}").bson]),
                "_id": .document(["$ne": viewer.bson, "$nin": blockedByViewer.bson]),
                "blocked": .document(["$ne": viewer.bson]),
            ]
            return try connection.find(collection, filter, sort: ["username": .int32(1)], limit: limit, projection: Self.projection).map(Self.record)
        }
    }
}
