import CSQLite
import Foundation
import ParleyCore
import ParleyJSON
import ParleyStore

/// A value bound to a statement parameter.
enum SQLValue {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension ObjectId {
    var sql: SQLValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        withUnsafeBytes(of: self.bytes.0.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: self.bytes.1.bigEndian) { bytes += $0 }
        return .blob(bytes)
    }

    init?(blob: UnsafeRawBufferPointer) {
        guard blob.count == 12 else { return nil }
        let high = blob.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = blob.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        self.init(high: high, low: low)
    }
}

extension Date { var sql: SQLValue { .integer(millisecondsSince1970) } }
extension String { var sql: SQLValue { .text(self) } }
extension Bool { var sql: SQLValue { .integer(self ? 1 : 0) } }
extension Optional where Wrapped == String { var sql: SQLValue { map { .text($0) } ?? .null } }
extension Optional where Wrapped == Date { var sql: SQLValue { map { $0.sql } ?? .null } }
extension Optional where Wrapped == ObjectId { var sql: SQLValue { map { $0.sql } ?? .null } }

/// The current row of a query.
struct SQLRow {
    let statement: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func bool(_ column: Int32) -> Bool { int(column) != 0 }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func date(_ column: Int32) -> Date { Date(millisecondsSince1970: int(column)) }
    func optionalDate(_ column: Int32) -> Date? { isNull(column) ? nil : date(column) }

    func id(_ column: Int32) throws -> ObjectId {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard let pointer = sqlite3_column_blob(statement, column),
            let id = ObjectId(blob: UnsafeRawBufferPointer(start: pointer, count: count))
        else { throw StoreError.corrupt("column \(column) is not an ObjectId") }
        return id
    }
    func optionalId(_ column: Int32) throws -> ObjectId? { isNull(column) ? nil : try id(column) }

    /// Raw bytes of a text or blob column, without copying into a String.
    func json(_ column: Int32) throws -> JSONValue {
        guard let pointer = sqlite3_column_blob(statement, column) else { return .null }
        let count = Int(sqlite3_column_bytes(statement, column))
        // Most list columns of most messages (receipts, reactions, hidden-for) are empty: no parser for those.
        if count == 2, pointer.load(as: UInt8.self) == UInt8(ascii: "["), pointer.load(fromByteOffset: 1, as: UInt8.self) == UInt8(ascii: "]") {
            return .array([])
        }
        do {
            return try JSONParser.parse(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count))
        } catch {
            throw StoreError.corrupt("column \(column) holds invalid JSON")
        }
    }
}

/// One SQLite connection with its prepared statements. Not thread-safe: `SQLiteDatabase` gives each
/// connection to one thread at a time, which is why it is `@unchecked Sendable`.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, readOnly: Bool) throws {
        if !readOnly, path != ":memory:" {
            // SQLite would create the file 0644 and give its -wal and -shm files the same mode; created 0600 here
            // first, all three hold messages and password hashes for this user's eyes only.
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if descriptor >= 0 { close(descriptor) }
        }
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw StoreError.unavailable("SQLite \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters (schema, pragmas, transaction control).
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else { throw error(code, message.map { String(cString: $0) }) }
    }

    /// Runs a statement; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        let statement = try prepared(sql, values)
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code, nil) }
        return Int(sqlite3_changes(handle))
    }

    func query(_ sql: String, _ values: [SQLValue] = [], _ row: (SQLRow) throws -> Void) throws {
        let statement = try prepared(sql, values)
        defer { sqlite3_reset(statement) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code, nil) }
            try row(SQLRow(statement: statement))
        }
    }

    func rows<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try query(sql, values) { result.append(try map($0)) }
        return result
    }

    func first<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLRow) throws -> T) throws -> T? {
        var result: T?
        try query(sql, values) { row in if result == nil { result = try map(row) } }
        return result
    }

    private func prepared(_ sql: String, _ values: [SQLValue]) throws -> OpaquePointer {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
            guard code == SQLITE_OK, let prepared else { throw error(code, nil) }
            statements[sql] = prepared
            statement = prepared
        }
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let v): code = sqlite3_bind_int64(statement, index, v)
            case .double(let v): code = sqlite3_bind_double(statement, index, v)
            case .text(let v):
                // With its byte length: a NUL inside the text is part of the value, never its end.
                code = v.utf8CString.withUnsafeBufferPointer { bytes in
                    sqlite3_bind_text64(statement, index, bytes.baseAddress, UInt64(bytes.count - 1), SQLiteConnection.transient, UInt8(SQLITE_UTF8))
                }
            case .blob(let v):
                code = v.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), SQLiteConnection.transient) }
            }
            guard code == SQLITE_OK else { throw error(code, nil) }
        }
        return statement
    }

    /// SQLite copies bound values (the C macro SQLITE_TRANSIENT is not importable).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Maps SQLite's error to the store's: a unique violation names the key, the rest is unavailable.
    private func error(_ code: Int32, _ message: String?) -> StoreError {
        let extended = sqlite3_extended_errcode(handle)
        let text = message ?? String(cString: sqlite3_errmsg(handle))
        if extended == Self.constraintUnique || extended == Self.constraintPrimaryKey {
            // "UNIQUE constraint failed: users.email_key"
            let column =
                text.split(separator: ":").last.map { $0.split(separator: ",").first ?? $0 }?
                .trimmingCharacters(in: .whitespaces) ?? ""
            return .duplicate(key: Self.uniqueKeys[column] ?? column)
        }
        return .unavailable("SQLite error \(extended): \(text)")
    }

    // Extended result codes are C macros Swift cannot import: SQLITE_CONSTRAINT | (8 << 8), | (6 << 8).
    private static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)
    private static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)

    private static let uniqueKeys = [
        "users.username": "username", "users.email_key": "email", "chats.direct_key": "directKey",
        "messages.sender_id": "tempId", "push_subscriptions.endpoint": "endpoint", "users.id": "id", "messages.id": "id",
        "chats.id": "id", "sessions.id": "id", "sessions.token_hash": "tokenHash", "media.id": "id",
        "password_resets.token_hash": "tokenHash", "chat_members.chat_id": "member",
        "credentials.email_key": "email", "credentials.user_id": "id",
    ]
}
