import Foundation
import ParleyCore
import ParleyJSON
public import ParleyStore

/// The embedded store: one SQLite file (WAL, durable group commits), the default when nothing is configured.
public final class SQLiteStore: Store {
    let database: SQLiteDatabase

    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
    }

    public var users: any UserRepository { SQLiteUsers(database: database) }
    public var credentials: any CredentialRepository { SQLiteCredentials(database: database) }
    public var sessions: any SessionRepository { SQLiteSessions(database: database) }
    public var passwordResets: any PasswordResetRepository { SQLitePasswordResets(database: database) }
    public var chats: any ChatRepository { SQLiteChats(database: database) }
    public var messages: any MessageRepository { SQLiteMessages(database: database) }
    public var media: any MediaRepository { SQLiteMedia(database: database) }
    public var pushSubscriptions: any PushSubscriptionRepository { SQLitePushSubscriptions(database: database) }

    public func migrate() async throws { try await migrate(through: .max) }

    /// Applies the migrations up to `last` (a test builds an older schema with it, to see a later migration at work).
    func migrate(through last: Int) async throws {
        try await database.exclusive { db in
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            let applied = Set(try db.rows("SELECT version FROM schema_migrations") { Int($0.int(0)) })
            for migration in SQLiteSchema.migrations where migration.version <= last && !applied.contains(migration.version) {
                try db.execute("BEGIN IMMEDIATE")
                do {
                    try db.execute(migration.sql)
                    try db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [.integer(Int64(migration.version)), Date().sql])
                    try db.execute("COMMIT")
                } catch {
                    try? db.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    public func ping() async throws {
        _ = try database.read { db in try db.first("SELECT 1") { $0.int(0) } }
    }

    public func close() async {}
}

// MARK: - JSON columns

enum JSONColumn {
    static func ids(_ ids: [ObjectId]) -> SQLValue { .text(JSONValue.array(ids.map { .string($0.description) }).serialized()) }

    static func ids(_ json: JSONValue) -> [ObjectId] { json.arrayValue?.compactMap { $0.stringValue.flatMap(ObjectId.init) } ?? [] }

    static func reactions(_ reactions: [ReactionRecord]) -> SQLValue {
        .text(
            JSONValue.array(
                reactions.map {
                    [
                        "userId": .string($0.userId.description), "emoji": .string($0.emoji),
                        "createdAt": .integer(Int($0.createdAt.millisecondsSince1970)),
                    ]
                }
            ).serialized()
        )
    }

    static func reactions(_ json: JSONValue) -> [ReactionRecord] {
        json.arrayValue?.compactMap { item in
            guard let user = item["userId"]?.stringValue.flatMap(ObjectId.init), let emoji = item["emoji"]?.stringValue,
                let at = item["createdAt"]?.intValue
            else { return nil }
            return ReactionRecord(userId: user, emoji: emoji, createdAt: Date(millisecondsSince1970: Int64(at)))
        } ?? []
    }

    static func media(_ media: MessageMediaRecord?) -> SQLValue {
        guard let media else { return .null }
        var object = JSONObject()
        object["kind"] = .string(media.kind.rawValue)
        object["url"] = .string(media.url)
        object["mediaId"] = .string(media.mediaId.description)
        if let duration = media.duration { object["duration"] = .double(duration) }
        if let thumbnail = media.thumbnailUrl { object["thumbnailUrl"] = .string(thumbnail) }
        return .text(JSONValue.object(object).serialized())
    }

    static func media(_ json: JSONValue) -> MessageMediaRecord? {
        guard let kind = json["kind"]?.stringValue.flatMap(MediaKind.init(rawValue:)), let url = json["url"]?.stringValue,
            let id = json["mediaId"]?.stringValue.flatMap(ObjectId.init)
        else { return nil }
        return MessageMediaRecord(
            kind: kind,
            url: url,
            mediaId: id,
            duration: json["duration"]?.doubleValue,
            thumbnailUrl: json["thumbnailUrl"]?.stringValue
        )
    }

    static func reply(_ reply: ReplyRecord?) -> SQLValue {
        guard let reply else { return .null }
        let json: JSONValue = [
            "messageId": .string(reply.messageId.description), "body": .string(reply.body),
            "senderId": .string(reply.senderId.description),
        ]
        return .text(json.serialized())
    }

    static func reply(_ json: JSONValue) -> ReplyRecord? {
        guard let id = json["messageId"]?.stringValue.flatMap(ObjectId.init), let body = json["body"]?.stringValue,
            let sender = json["senderId"]?.stringValue.flatMap(ObjectId.init)
        else { return nil }
        return ReplyRecord(messageId: id, body: body, senderId: sender)
    }
}
