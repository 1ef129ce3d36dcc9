import CMongoC
import Foundation
import ParleyCore
import ParleyStore

/// An error libmongoc reported, before it is mapped to a `StoreError`.
struct MongoError: Error, CustomStringConvertible {
    var domain: UInt32
    var code: UInt32
    var message: String

    init(_ error: bson_error_t) {
        var error = error
        domain = error.domain
        code = error.code
        message = withUnsafeBytes(of: &error.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    init(domain: UInt32, code: UInt32, message: String) {
        self.domain = domain
        self.code = code
        self.message = message
    }

    var description: String { "MongoDB error \(domain).\(code): \(message)" }

    var isDuplicateKey: Bool { code == 11000 || code == 11001 }

    /// Worth one more try: the network, server selection, or a node stepping down or shutting down.
    var isTransient: Bool {
        if domain == MONGOC_ERROR_STREAM.rawValue || domain == MONGOC_ERROR_SERVER_SELECTION.rawValue { return true }
        if domain == MONGOC_ERROR_SERVER.rawValue || domain == MONGOC_ERROR_WRITE_CONCERN.rawValue || domain == MONGOC_ERROR_QUERY.rawValue {
            return Self.transientCodes.contains(code)
        }
        return false
    }

    /// The server codes MongoDB's retryable-writes specification retries on.
    private static let transientCodes: Set<UInt32> = [6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 134]
}

/// The result of an update.
struct UpdateResult {
    var matched: Int
    var modified: Int
    var upserted: Bool
}

/// One pooled client for the length of one store operation. Not thread-safe (a libmongoc client is not):
/// it lives on the executor thread that popped it and is pushed back when the operation ends.
final class MongoConnection {
    let client: OpaquePointer
    let database: String
    /// Whether this is the operation's second attempt, after a transient error.
    let retried: Bool
    private var collections: [String: OpaquePointer] = [:]

    init(client: OpaquePointer, database: String, retried: Bool) {
        self.client = client
        self.database = database
        self.retried = retried
    }

    deinit {
        for collection in collections.values { mongoc_collection_destroy(collection) }
    }

    private func collection(_ name: String) -> OpaquePointer {
        if let cached = collections[name] { return cached }
        // mongoc_client_get_collection only allocates; it never fails for a valid client.
        guard let collection = mongoc_client_get_collection(client, database, name) else { fatalError("mongoc_client_get_collection returned NULL") }
        collections[name] = collection
        return collection
    }

    // MARK: reads

    func find(_ name: String, _ filter: Document, sort: Document? = nil, limit: Int? = nil, projection: Document? = nil) throws -> [Document] {
        var options = Document()
        if let sort { options["sort"] = .document(sort) }
        if let limit { options["limit"] = .int64(Int64(limit)) }
        if let projection { options["projection"] = .document(projection) }
        let filterBSON = try BSONDocument(filter)
        let optionsBSON = try BSONDocument(options)
        guard let cursor = mongoc_collection_find_with_opts(collection(name), filterBSON.pointer, optionsBSON.pointer, nil) else {
            throw MongoError(domain: MONGOC_ERROR_CLIENT.rawValue, code: 0, message: "find returned no cursor")
        }
        defer { mongoc_cursor_destroy(cursor) }
        var documents: [Document] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current) {
            if let current { documents.append(BSONDocument.read(current)) }
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw MongoError(error) }
        return documents
    }

    func findOne(_ name: String, _ filter: Document, projection: Document? = nil) throws -> Document? {
        try find(name, filter, limit: 1, projection: projection).first
    }

    func count(_ name: String, _ filter: Document) throws -> Int {
        let filterBSON = try BSONDocument(filter)
        var error = bson_error_t()
        let count = withReply { reply in mongoc_collection_count_documents(collection(name), filterBSON.pointer, nil, nil, reply, &error) }
        guard count >= 0 else { throw MongoError(error) }
        return Int(count)
    }

    // MARK: writes

    func insert(_ name: String, _ document: Document) throws {
        let documentBSON = try BSONDocument(document)
        var error = bson_error_t()
        let ok = withReply { reply in mongoc_collection_insert_one(collection(name), documentBSON.pointer, nil, reply, &error) }
        guard ok else { throw MongoError(error) }
    }

    @discardableResult
    func updateOne(_ name: String, _ filter: Document, _ update: Document, upsert: Bool = false) throws -> UpdateResult {
        try performUpdate(name, filter, update, upsert: upsert, many: false)
    }

    @discardableResult
    func updateMany(_ name: String, _ filter: Document, _ update: Document) throws -> UpdateResult {
        try performUpdate(name, filter, update, upsert: false, many: true)
    }

    private func performUpdate(_ name: String, _ filter: Document, _ update: Document, upsert: Bool, many: Bool) throws -> UpdateResult {
        let filterBSON = try BSONDocument(filter)
        let updateBSON = try BSONDocument(update)
        let optionsBSON = try BSONDocument(upsert ? ["upsert": true.bson] : [:])
        var error = bson_error_t()
        let (ok, result) = withReply { reply -> (Bool, Document) in
            let ok =
                many
                ? mongoc_collection_update_many(collection(name), filterBSON.pointer, updateBSON.pointer, optionsBSON.pointer, reply, &error)
                : mongoc_collection_update_one(collection(name), filterBSON.pointer, updateBSON.pointer, optionsBSON.pointer, reply, &error)
            return (ok, BSONDocument.read(reply))
        }
        guard ok else { throw MongoError(error) }
        return UpdateResult(
            matched: (try? result.int("matchedCount")) ?? 0,
            modified: (try? result.int("modifiedCount")) ?? 0,
            upserted: ((try? result.int("upsertedCount")) ?? 0) > 0
        )
    }

    @discardableResult
    func deleteOne(_ name: String, _ filter: Document) throws -> Int {
        try delete(name, filter, many: false)
    }

    @discardableResult
    func deleteMany(_ name: String, _ filter: Document) throws -> Int {
        try delete(name, filter, many: true)
    }

    private func delete(_ name: String, _ filter: Document, many: Bool) throws -> Int {
        let filterBSON = try BSONDocument(filter)
        var error = bson_error_t()
        let (ok, result) = withReply { reply -> (Bool, Document) in
            let ok =
                many
                ? mongoc_collection_delete_many(collection(name), filterBSON.pointer, nil, reply, &error)
                : mongoc_collection_delete_one(collection(name), filterBSON.pointer, nil, reply, &error)
            return (ok, BSONDocument.read(reply))
        }
        guard ok else { throw MongoError(error) }
        return (try? result.int("deletedCount")) ?? 0
    }

    /// findAndModify: one document changed atomically, returned as it is after the change (or before it,
    /// with `returnNew: false`); nil when nothing matched. `update` may be an update pipeline (an array).
    func findAndModify(_ name: String, _ filter: Document, update: BSON, returnNew: Bool = true, projection: Document? = nil) throws -> Document? {
        guard let options = mongoc_find_and_modify_opts_new() else { fatalError("mongoc_find_and_modify_opts_new: out of memory") }
        defer { mongoc_find_and_modify_opts_destroy(options) }
        let updateBSON: BSONDocument
        switch update {
        case .document(let document): updateBSON = try BSONDocument(document)
        // libmongoc sends a document keyed "0", "1", ... whose values are stages as an update pipeline.
        case .array(let stages): updateBSON = try BSONDocument(Document(stages.enumerated().map { (String($0.offset), $0.element) }))
        default: throw StoreError.unavailable("findAndModify needs an update document or pipeline")
        }
        guard mongoc_find_and_modify_opts_set_update(options, updateBSON.pointer) else { throw StoreError.unavailable("invalid update") }
        if returnNew { _ = mongoc_find_and_modify_opts_set_flags(options, MONGOC_FIND_AND_MODIFY_RETURN_NEW) }
        let projectionBSON = try projection.map(BSONDocument.init)
        if let projectionBSON { _ = mongoc_find_and_modify_opts_set_fields(options, projectionBSON.pointer) }
        let filterBSON = try BSONDocument(filter)
        var error = bson_error_t()
        let (ok, result) = withReply { reply -> (Bool, Document) in
            let ok = mongoc_collection_find_and_modify_with_opts(collection(name), filterBSON.pointer, options, reply, &error)
            return (ok, BSONDocument.read(reply))
        }
        guard ok else { throw MongoError(error) }
        if case .document(let value)? = result["value"] { return value }
        return nil
    }

    // MARK: commands

    /// Runs a command against this store's database (or `admin`), with the client's write concern when it writes.
    @discardableResult
    func command(_ command: Document, database: String? = nil, writes: Bool = false) throws -> Document {
        let commandBSON = try BSONDocument(command)
        var error = bson_error_t()
        let target = database ?? self.database
        let (ok, result) = withReply { reply -> (Bool, Document) in
            let ok =
                writes
                ? mongoc_client_write_command_with_opts(client, target, commandBSON.pointer, nil, reply, &error)
                : mongoc_client_command_simple(client, target, commandBSON.pointer, nil, reply, &error)
            return (ok, BSONDocument.read(reply))
        }
        guard ok else { throw MongoError(error) }
        return result
    }
}
