import CMongoC
import Foundation
import Logging
import ParleyCore
public import ParleyStore
import Synchronization

/// The MongoDB store, on libmongoc: one client pool per store, every blocking call on `MongoExecutor`'s
/// threads, duplicate keys as `StoreError.duplicate`, and a transient failure retried once.
public final class MongoStore: Store {
    let pool: MongoClientPool
    let executor: MongoExecutor
    public let databaseName: String

    /// `uri` is a MongoDB connection string; the database is `database`, else the URI's path, else "parley".
    /// Without `serverSelectionTimeoutMS` in the URI, an unreachable server fails after 5 s rather than 30.
    public init(uri: String, database: String? = nil) throws {
        MongoClientPool.initializeDriver
        var error = bson_error_t()
        guard let parsed = mongoc_uri_new_with_error(uri, &error) else {
            throw StoreError.unavailable("invalid MongoDB URI: \(MongoError(error).message)")
        }
        defer { mongoc_uri_destroy(parsed) }
        if mongoc_uri_get_option_as_int32(parsed, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, -1) < 0 {
            _ = mongoc_uri_set_option_as_int32(parsed, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000)
        }
        if mongoc_uri_get_appname(parsed) == nil { _ = mongoc_uri_set_appname(parsed, "parley") }
        let fromURI = mongoc_uri_get_database(parsed).map { String(cString: $0) }
        databaseName = database ?? fromURI.flatMap { $0.isEmpty ? nil : $0 } ?? "parley"
        pool = try MongoClientPool(uri: parsed)
        executor = .shared
    }

    public var users: any UserRepository { MongoUsers(store: self) }
    public var credentials: any CredentialRepository { MongoCredentials(store: self) }
    public var sessions: any SessionRepository { MongoSessions(store: self) }
    public var passwordResets: any PasswordResetRepository { MongoPasswordResets(store: self) }
    public var chats: any ChatRepository { MongoChats(store: self) }
    public var messages: any MessageRepository { MongoMessages(store: self) }
    public var media: any MediaRepository { MongoMedia(store: self) }
    public var pushSubscriptions: any PushSubscriptionRepository { MongoPushSubscriptions(store: self) }

    public func migrate() async throws {
        try await run { connection in try MongoSchema.migrate(connection) }
    }

    public func ping() async throws {
        try await run { connection in _ = try connection.command(["ping": .int32(1)], database: "admin") }
    }

    /// Later operations fail; the pool is destroyed once the last operation in flight lets go of it.
    public func close() async {
        pool.close()
    }

    /// Runs `body` with a pooled client on an executor thread. A transient error (network, server selection,
    /// a primary stepping down) is retried once after a short pause; `MongoConnection.retried` tells the
    /// body, so a write that may have landed the first time can recognize its own result.
    func run<T: Sendable>(
        function: StaticString = #function,
        file: StaticString = #fileID,
        _ body: @escaping @Sendable (MongoConnection) throws -> T
    ) async throws -> T {
        try await StoreTelemetry.measure("mongodb", function, in: file) {
            do {
                return try await attempt(body, retried: false)
            } catch let error as MongoError where error.isTransient {
                try? await Task.sleep(for: .milliseconds(100))
                do {
                    return try await attempt(body, retried: true)
                } catch let error as MongoError {
                    throw storeError(error)
                }
            } catch let error as MongoError {
                throw storeError(error)
            }
        }
    }

    private func attempt<T: Sendable>(_ body: @escaping @Sendable (MongoConnection) throws -> T, retried: Bool) async throws -> T {
        let pool = self.pool
        let database = databaseName
        return try await executor.run {
            try pool.withClient { client in try body(MongoConnection(client: client, database: database, retried: retried)) }
        }
    }

    /// Inserts one document. After a transient error the first attempt may have landed: a duplicate on the
    /// retry is then our own document, not a conflict.
    func insert(_ collection: String, _ document: Document, function: StaticString = #function, file: StaticString = #fileID) async throws {
        try await run(function: function, file: file) { connection in
            do {
                try connection.insert(collection, document)
            } catch let error as MongoError where error.isDuplicateKey && connection.retried {
                if let id = document["_id"], try connection.findOne(collection, ["_id": id], projection: ["_id": .int32(1)]) != nil { return }
                throw error
            }
        }
    }

    private func storeError(_ error: MongoError) -> StoreError {
        if error.isDuplicateKey { return .duplicate(key: Self.duplicateKey(error.message)) }
        return .unavailable(error.description)
    }

    /// The contract's name for the unique key in "E11000 duplicate key error collection: db.users index:
    /// emailKey_1 dup key: { ... }".
    static func duplicateKey(_ message: String) -> String {
        func word(after marker: String) -> String {
            guard let range = message.range(of: marker) else { return "" }
            return String(message[range.upperBound...].prefix { $0 != " " })
        }
        let index = word(after: "index: ")
        let collection = word(after: "collection: ").split(separator: ".").last.map(String.init) ?? ""
        if index == "_id_" || index.isEmpty && message.contains("_id") {
            return collection == MongoSchema.passwordResets ? "tokenHash" : "id"
        }
        for (field, key) in MongoSchema.uniqueKeys where index.contains(field) { return key }
        return index.isEmpty ? "unknown" : index
    }
}

/// libmongoc's thread-safe client pool. Each operation pops a client and pushes it back when done.
final class MongoClientPool: @unchecked Sendable {
    /// `mongoc_init` once per process, before the first URI or pool. libmongoc logs its debug chatter (every failed
    /// heartbeat) and warnings (no shared memory for its counters) to stderr in a format of its own; only warnings
    /// and worse get through here, into the process's logging system, so that with `LOG_FORMAT=json` every line is
    /// JSON. Failures reach callers as errors anyway.
    static let initializeDriver: Void = {
        mongoc_log_set_handler(
            { level, domain, message, _ in
                guard level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue else { return }
                let severity: Logger.Level =
                    switch level {
                    case MONGOC_LOG_LEVEL_ERROR: .error
                    case MONGOC_LOG_LEVEL_CRITICAL: .critical
                    default: .warning
                    }
                Logger(label: "mongoc").log(
                    level: severity,
                    "\(message.map { String(cString: $0) } ?? "")",
                    metadata: ["domain": "\(domain.map { String(cString: $0) } ?? "")"]
                )
            },
            nil
        )
        mongoc_init()
    }()

    private let pool: OpaquePointer
    private let closed = Atomic<Bool>(false)

    init(uri: OpaquePointer) throws {
        guard let pool = mongoc_client_pool_new(uri) else { throw StoreError.unavailable("cannot create a MongoDB client pool") }
        // Version 2: server errors arrive with the server's own codes (11000, 10107, ...) in MONGOC_ERROR_SERVER.
        _ = mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        self.pool = pool
    }

    deinit { mongoc_client_pool_destroy(pool) }

    func close() { closed.store(true, ordering: .relaxed) }

    /// Blocks the calling (executor) thread while it waits for a client and for the body.
    func withClient<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError.unavailable("the MongoDB store is closed") }
        guard let client = mongoc_client_pool_pop(pool) else { throw StoreError.unavailable("no MongoDB client available") }
        defer { mongoc_client_pool_push(pool, client) }
        return try body(client)
    }
}
