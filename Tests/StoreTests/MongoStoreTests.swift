import CMongoC
import Foundation
import ParleyCore
import ParleyStore
import Testing

@testable import MongoStore

/// What only the MongoDB store has: its BSON mapping, error naming, URI handling and indexes. The shared
/// behaviour is in `StoreContractTests`.
@Suite struct MongoStoreTests {
    @Test func bsonRoundTripsEveryTypeTheStoreWrites() throws {
        let id = ObjectId()
        let document: Document = [
            "string": .string("naïve 👍 with a \u{0} inside"), "int32": .int32(-7), "int64": .int64(1 << 40), "double": .double(3.5),
            "bool": .bool(true), "id": .objectId(id), "date": .date(Date(millisecondsSince1970: -1234)), "null": .null,
            "nested": .document(["array": .array([.int32(1), .string("two"), .document(["three": .bool(false)])])]),
        ]
        #expect(try BSONDocument(document).document == document)
    }

    @Test func objectIdsAreStoredInTheirHexOrder() throws {
        let id = try #require(ObjectId("0123456789abcdef01234567"))
        let bson = try BSONDocument(["_id": id.bson])
        var oid = bson_oid_t()
        withUnsafeBytes(of: id.bigEndianBytes) { bson_oid_init_from_data(&oid, $0.baseAddress?.assumingMemoryBound(to: UInt8.self)) }
        var hex = [CChar](repeating: 0, count: 25)
        bson_oid_to_string(&oid, &hex)
        #expect(String(decoding: hex.prefix(24).map(UInt8.init), as: UTF8.self) == id.description)
        #expect(bson.document["_id"] == .objectId(id))
    }

    @Test func duplicateKeysAreNamedAsTheContractSays() {
        let cases = [
            ("users", "username_1", "username"), ("users", "emailKey_1", "email"), ("chats", "directKey_1", "directKey"),
            ("messages", "senderId_1_tempId_1", "tempId"), ("messages", "chatId_1_senderId_1_tempId_1", "tempId"),
            ("pushSubscriptions", "endpoint_1", "endpoint"), ("sessions", "refreshTokenHash_1", "tokenHash"),
            ("passwordResets", "_id_", "tokenHash"), ("users", "_id_", "id"),
        ]
        for (collection, index, key) in cases {
            let message = "E11000 duplicate key error collection: test_1.\(collection) index: \(index) dup key: { x: \"y\" }"
            #expect(MongoStore.duplicateKey(message) == key, "\(collection).\(index)")
        }
    }

    @Test func databaseComesFromTheArgumentThenTheURIThenTheDefault() throws {
        #expect(try MongoStore(uri: "mongodb://127.0.0.1:1/chat").databaseName == "chat")
        #expect(try MongoStore(uri: "mongodb://127.0.0.1:1/chat", database: "other").databaseName == "other")
        #expect(try MongoStore(uri: "mongodb://127.0.0.1:1").databaseName == "parley")
        #expect(throws: StoreError.self) { try MongoStore(uri: "postgres://127.0.0.1/nope") }
    }

    @Test func anUnreachableServerIsUnavailableAfterOneRetry() async throws {
        let store = try MongoStore(uri: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200")
        let started = Date()
        do {
            try await store.ping()
            Issue.record("ping reached a server on port 1")
        } catch let error as StoreError {
            guard case .unavailable = error else {
                Issue.record("expected unavailable, got \(error)")
                return
            }
        }
        #expect(Date().timeIntervalSince(started) >= 0.45, "two server selections of 200 ms and the pause between them")
    }

    @Test func migrationCreatesEveryIndexOnce() async throws {
        let store = try #require(try await makeStore(.mongo) as? MongoStore)
        try await store.migrate()
        for (collection, indexes) in MongoSchema.indexes(sharded: false) {
            let listed = try await store.run { connection in
                try connection.command(["listIndexes": .string(collection)]).document("cursor").documents("firstBatch")
            }
            #expect(Set(try listed.map { try $0.string("name") }) == Set(["_id_"] + indexes.map(\.name)), "\(collection)")
            for index in indexes where index.expireAfterSeconds != nil {
                let spec = try #require(listed.first { (try? $0.string("name")) == index.name })
                #expect(try spec.int("expireAfterSeconds") == 0, "TTL on \(collection).\(index.name)")
            }
        }
    }

    /// Users from before credentials had their own collection sign in as before, and their profiles keep no hash.
    @Test func migrationMovesPasswordHashesOutOfUsers() async throws {
        let store = try #require(try await makeStore(.mongo) as? MongoStore)
        let legacy = UserRecord(
            username: "legacy",
            email: "Legacy@Example.com",
            name: "Old Timer",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        var document = MongoUsers.document(legacy)
        document["passwordHash"] = "old-hash".bson
        try await store.insert(MongoSchema.users, document)
        let kept = CredentialRecord(userId: ObjectId(), email: "kept@example.com", passwordHash: "current")
        try await store.credentials.insert(kept)
        var halfway = MongoUsers.document(UserRecord(id: kept.userId, username: "halfway", email: kept.email, name: "Half Way"))
        halfway["passwordHash"] = "stale".bson
        try await store.insert(MongoSchema.users, halfway)

        try await store.migrate()
        #expect(
            try await store.credentials.find(email: "legacy@example.com")
                == CredentialRecord(userId: legacy.id, email: legacy.email, passwordHash: "old-hash", createdAt: legacy.createdAt)
        )
        #expect(try await store.credentials.find(userId: kept.userId) == kept, "a credential already moved is left as it is")
        let left = try await store.run { connection in
            try connection.count(MongoSchema.users, ["passwordHash": .document(["$exists": true.bson])])
        }
        #expect(left == 0)
        #expect(try await store.users.find(id: legacy.id) == legacy)
    }

    /// Update pipelines evaluate expressions; client text inside them must stay text.
    @Test func clientTextStaysLiteralInsideUpdatePipelines() async throws {
        let store = try await makeStore(.mongo)
        let (a, b) = (ObjectId(), ObjectId())
        let message = MessageRecord(chatId: ObjectId(), senderId: a, body: "secret")
        try await store.messages.insert(message)
        let reacted = try #require(try await store.messages.setReaction(id: message.id, userId: b, emoji: "$body", at: Date()))
        #expect(reacted.reactions.map(\.emoji) == ["$body"])
        let chat = ChatRecord(kind: .group, participants: [a, b], title: "t")
        try await store.chats.insert(chat)
        #expect(try await store.chats.update(id: chat.id, title: "$participants", avatarUrl: nil, at: Date())?.title == "$participants")
        #expect(try await store.chats.setAdmins(chatId: chat.id, [b], at: Date())?.admins == [b])
    }

    @Test func aClosedStoreRefusesWork() async throws {
        let store = try await makeStore(.mongo)
        await store.close()
        await #expect(throws: StoreError.self) { try await store.ping() }
    }
}
