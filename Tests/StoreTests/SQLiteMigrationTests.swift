import Foundation
import ParleyCore
import ParleyStore
import Testing

@testable import SQLiteStore

@Suite struct SQLiteMigrationTests {
    /// A database from before previews were kept (migration 7) gets them for what its members had already hidden.
    @Test func previewsAreFilledInForLatestMessagesHiddenBefore() async throws {
        try await withStore(migratedThrough: 6) { store in

            let (me, you, late) = (ObjectId(), ObjectId(), ObjectId())
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            let chat = ChatRecord(kind: .group, participants: [me, you], admins: [me], title: "g", createdAt: start)
            try await store.chats.insert(chat)
            func send(_ body: String, at seconds: Double) async throws -> MessageRecord {
                let message = MessageRecord(chatId: chat.id, senderId: you, body: body, createdAt: start.addingTimeInterval(seconds))
                try await store.messages.insert(message)
                try await store.chats.recordMessage(
                    chatId: chat.id,
                    LastMessageRecord(messageId: message.id, body: body, senderId: you, createdAt: message.createdAt)
                )
                return message
            }
            let first = try await send("first", at: 10)
            let gone = try await send("deleted for everyone", at: 20)
            _ = try await store.chats.addMember(chatId: chat.id, userId: late, at: start.addingTimeInterval(25))
            let latest = try await send("latest", at: 30)
            try await store.messages.deleteForEveryone(id: gone.id)
            try await store.messages.hide(id: latest.id, for: me)
            try await store.messages.hide(id: latest.id, for: late)

            try await store.migrate()
            let states = try await store.chats.memberStates(chatId: chat.id)
            #expect(
                states[me]?.preview
                    == MemberPreviewRecord(
                        replaces: latest.id,
                        message: LastMessageRecord(messageId: first.id, body: "first", senderId: you, createdAt: first.createdAt)
                    ),
                "the newest message still there that they did not hide"
            )
            #expect(states[late]?.preview == MemberPreviewRecord(replaces: latest.id, message: nil), "nothing from before they joined")
            #expect(states[you]?.preview == nil, "nothing hidden, nothing in its place")
        }
    }

    /// A database from before credentials had a table of their own (migration 8): its users sign in as before.
    @Test func passwordHashesMoveToCredentials() async throws {
        try await withStore(migratedThrough: 7) { store in
            let legacy = UserRecord(
                username: "legacy",
                email: "Legacy@Example.com",
                name: "Old Timer",
                createdAt: Date(timeIntervalSince1970: 1_700_000_000)
            )
            try await store.database.write { db in
                try db.run(
                    "INSERT INTO users (id, username, email, email_key, password_hash, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        legacy.id.sql, legacy.username.sql, legacy.email.sql, legacy.email.lowercased().sql, "old-hash".sql, legacy.name.sql,
                        legacy.createdAt.sql, legacy.updatedAt.sql,
                    ]
                )
            }

            try await store.migrate()
            #expect(
                try await store.credentials.find(email: "LEGACY@example.com")
                    == CredentialRecord(userId: legacy.id, email: legacy.email, passwordHash: "old-hash", createdAt: legacy.createdAt)
            )
            #expect(try await store.users.find(id: legacy.id) == legacy)
            let columns = try store.database.read { db in try db.rows("SELECT name FROM pragma_table_info('users')") { $0.text(0) } }
            #expect(!columns.contains("password_hash"))
        }
    }

    /// A store in a folder of its own, migrated up to `version`, removed after `body`.
    private func withStore(migratedThrough version: Int, _ body: (SQLiteStore) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("parley.sqlite").path)
        try await store.migrate(through: version)
        try await body(store)
    }
}
