import CMongoC
import Foundation
import ParleyCore
import ParleyStore

/// A BSON value as the store writes and reads it. Queries are built from these typed values only, so a
/// client's string is always a BSON string and never becomes an operator or a field path.
indirect enum BSON: Sendable, Hashable {
    case string(String)
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case objectId(ObjectId)
    case date(Date)
    case document(Document)
    case array([BSON])
    case null
    /// A type the store never writes (binary, decimal, timestamp, ...): kept only so that reading never fails.
    case other(UInt32)
}

/// An ordered BSON document in Swift. Field order matters to the server (sort specs, index keys).
struct Document: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    var fields: [(key: String, value: BSON)]

    init() { fields = [] }
    init(dictionaryLiteral elements: (String, BSON)...) { fields = elements.map { (key: $0.0, value: $0.1) } }
    init(_ fields: [(String, BSON)]) { self.fields = fields.map { (key: $0.0, value: $0.1) } }

    subscript(key: String) -> BSON? {
        get { fields.first { $0.key == key }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key: key, value: newValue))
            }
        }
    }

    var isEmpty: Bool { fields.isEmpty }

    static func == (a: Document, b: Document) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.key)
            hasher.combine(field.value)
        }
    }
}

// MARK: - Swift values as BSON

extension ObjectId { var bson: BSON { .objectId(self) } }
extension Date { var bson: BSON { .date(self) } }
extension String { var bson: BSON { .string(self) } }
extension Bool { var bson: BSON { .bool(self) } }
extension Document { var bson: BSON { .document(self) } }
extension Array where Element == ObjectId { var bson: BSON { .array(map(\.bson)) } }
extension Array where Element == String { var bson: BSON { .array(map(\.bson)) } }

// MARK: - Reading fields

extension Document {
    func string(_ key: String) throws -> String {
        guard case .string(let value)? = self[key] else { throw corrupt(key, "a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw corrupt(key, "a string")
        }
    }

    func objectId(_ key: String) throws -> ObjectId {
        guard case .objectId(let value)? = self[key] else { throw corrupt(key, "an ObjectId") }
        return value
    }

    func date(_ key: String) throws -> Date {
        guard case .date(let value)? = self[key] else { throw corrupt(key, "a date") }
        return value
    }

    func optionalDate(_ key: String) throws -> Date? {
        switch self[key] {
        case nil, .null?: return nil
        case .date(let value)?: return value
        default: throw corrupt(key, "a date")
        }
    }

    func bool(_ key: String) throws -> Bool {
        switch self[key] {
        case nil, .null?: return false
        case .bool(let value)?: return value
        default: throw corrupt(key, "a boolean")
        }
    }

    func int(_ key: String) throws -> Int {
        switch self[key] {
        case .int32(let value)?: return Int(value)
        case .int64(let value)?: return Int(value)
        case .double(let value)? where value.rounded() == value && abs(value) < 9e15: return Int(value)
        default: throw corrupt(key, "an integer")
        }
    }

    func optionalInt(_ key: String) throws -> Int? {
        switch self[key] {
        case nil, .null?: nil
        default: try int(key)
        }
    }

    func optionalDouble(_ key: String) throws -> Double? {
        switch self[key] {
        case nil, .null?: return nil
        case .double(let value)?: return value
        case .int32(let value)?: return Double(value)
        case .int64(let value)?: return Double(value)
        default: throw corrupt(key, "a number")
        }
    }

    func document(_ key: String) throws -> Document {
        guard case .document(let value)? = self[key] else { throw corrupt(key, "a document") }
        return value
    }

    func optionalDocument(_ key: String) throws -> Document? {
        switch self[key] {
        case nil, .null?: return nil
        case .document(let value)?: return value
        default: throw corrupt(key, "a document")
        }
    }

    /// A missing array reads as empty: documents written before a field existed stay readable.
    func array(_ key: String) throws -> [BSON] {
        switch self[key] {
        case nil, .null?: return []
        case .array(let value)?: return value
        default: throw corrupt(key, "an array")
        }
    }

    func objectIds(_ key: String) throws -> [ObjectId] {
        try array(key).map { value in
            guard case .objectId(let id) = value else { throw corrupt(key, "an array of ObjectIds") }
            return id
        }
    }

    func documents(_ key: String) throws -> [Document] {
        try array(key).map { value in
            guard case .document(let document) = value else { throw corrupt(key, "an array of documents") }
            return document
        }
    }

    private func corrupt(_ key: String, _ expected: String) -> StoreError {
        .corrupt("field \(key) is not \(expected)")
    }
}

// MARK: - libbson

/// Owns one heap `bson_t` (`bson_new` ... `bson_destroy`), built from a `Document` with the `bson_append_*`
/// functions (libbson's variadic BCON macros are not callable from Swift). Swift sees `bson_t` as opaque
/// (it is declared 128-byte aligned), hence the `OpaquePointer`.
final class BSONDocument {
    let pointer: OpaquePointer

    init() {
        // bson_new only fails when malloc does, which libbson itself treats as fatal.
        guard let pointer = bson_new() else { fatalError("bson_new: out of memory") }
        self.pointer = pointer
    }

    convenience init(_ document: Document) throws {
        self.init()
        try Self.append(document, to: pointer)
    }

    deinit { bson_destroy(pointer) }

    var document: Document { Self.read(pointer) }

    private static func append(_ document: Document, to target: OpaquePointer) throws {
        for (key, value) in document.fields { try append(key, value, to: target) }
    }

    private static func append(_ key: String, _ value: BSON, to target: OpaquePointer) throws {
        let length = Int32(key.utf8.count)
        let ok: Bool
        switch value {
        case .string(let string):
            // With an explicit length, so that a NUL inside a client's string stays part of the value.
            ok = string.utf8CString.withUnsafeBufferPointer { bytes in
                bson_append_utf8(target, key, length, bytes.baseAddress, Int32(bytes.count - 1))
            }
        case .int32(let number): ok = bson_append_int32(target, key, length, number)
        case .int64(let number): ok = bson_append_int64(target, key, length, number)
        case .double(let number): ok = bson_append_double(target, key, length, number)
        case .bool(let flag): ok = bson_append_bool(target, key, length, flag)
        case .date(let date): ok = bson_append_date_time(target, key, length, date.millisecondsSince1970)
        case .null, .other: ok = bson_append_null(target, key, length)
        case .objectId(let id):
            var oid = bson_oid_t()
            withUnsafeBytes(of: id.bigEndianBytes) { bytes in
                bson_oid_init_from_data(&oid, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
            ok = bson_append_oid(target, key, length, &oid)
        case .document(let child):
            let nested = try BSONDocument(child)
            ok = bson_append_document(target, key, length, nested.pointer)
        case .array(let items):
            let nested = try BSONDocument(Document(items.enumerated().map { (String($0.offset), $0.element) }))
            ok = bson_append_array(target, key, length, nested.pointer)
        }
        guard ok else { throw StoreError.unavailable("BSON document too large at \(key)") }
    }

    /// Copies a document that libmongoc owns (a cursor's current document, a reply) into Swift values.
    static func read(_ bson: OpaquePointer) -> Document {
        guard let iterator = parley_bson_iter_new() else { return Document() }
        defer { parley_bson_iter_free(iterator) }
        guard bson_iter_init(iterator, bson) else { return Document() }
        return read(iterator: iterator)
    }

    private static func read(iterator: OpaquePointer) -> Document {
        var document = Document()
        while bson_iter_next(iterator) {
            guard let keyPointer = bson_iter_key(iterator) else { continue }
            document.fields.append((key: String(cString: keyPointer), value: value(iterator)))
        }
        return document
    }

    private static func value(_ iterator: OpaquePointer) -> BSON {
        let type = bson_iter_type(iterator)
        switch type {
        case BSON_TYPE_UTF8:
            var length: UInt32 = 0
            guard let pointer = bson_iter_utf8(iterator, &length) else { return .string("") }
            return .string(String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(length)), as: UTF8.self))
        case BSON_TYPE_INT32: return .int32(bson_iter_int32(iterator))
        case BSON_TYPE_INT64: return .int64(bson_iter_int64(iterator))
        case BSON_TYPE_DOUBLE: return .double(bson_iter_double(iterator))
        case BSON_TYPE_BOOL: return .bool(bson_iter_bool(iterator))
        case BSON_TYPE_DATE_TIME: return .date(Date(millisecondsSince1970: bson_iter_date_time(iterator)))
        case BSON_TYPE_NULL, BSON_TYPE_UNDEFINED: return .null
        case BSON_TYPE_OID:
            guard let oid = bson_iter_oid(iterator) else { return .null }
            return .objectId(ObjectId(oid: oid.pointee))
        case BSON_TYPE_DOCUMENT, BSON_TYPE_ARRAY:
            guard let child = parley_bson_iter_new() else { return .null }
            defer { parley_bson_iter_free(child) }
            guard bson_iter_recurse(iterator, child) else { return .null }
            let nested = read(iterator: child)
            return type == BSON_TYPE_ARRAY ? .array(nested.fields.map(\.value)) : .document(nested)
        default:
            return .other(type.rawValue)
        }
    }
}

/// An empty `bson_t` for libmongoc to fill in as a reply, destroyed and freed afterwards.
func withReply<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
    guard let reply = parley_bson_reply_new() else { fatalError("out of memory for a BSON reply") }
    defer { parley_bson_reply_free(reply) }
    return try body(reply)
}

extension ObjectId {
    /// The 12 bytes in order: the high 8 then the low 4, each big-endian.
    var bigEndianBytes: (UInt64, UInt32) { (bytes.0.bigEndian, bytes.1.bigEndian) }

    init(oid: bson_oid_t) {
        self = withUnsafeBytes(of: oid.bytes) { raw in
            let high = raw.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = raw.dropFirst(8).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return ObjectId(high: high, low: low)
        }
    }
}
