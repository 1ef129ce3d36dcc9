public import Foundation
@_exported import ParleyCore
@_exported import ParleyJSON

/// A value that reads itself from parsed JSON, reporting every problem to `Validation` with its path.
/// Generated types implement it from the schema's constraints.
public protocol JSONDecodable: Sendable {
    /// Nil when the value is invalid; the reasons are in `validation`.
    static func decode(_ json: JSONValue, at path: String, _ validation: inout Validation) -> Self?
}

/// A value that writes itself as JSON without reflection.
public protocol JSONEncodable: Sendable {
    func encode(to writer: inout JSONWriter)
}

public typealias JSONCodable = JSONDecodable & JSONEncodable

extension JSONEncodable {
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        encode(to: &writer)
        return writer.bytes
    }
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }
}

extension JSONDecodable {
    /// Parses and decodes `bytes`; throws `APIError.validation` listing every problem.
    public static func decode(jsonBytes bytes: [UInt8], at path: String = "", rejectsUnknownFields: Bool = true) throws(APIError) -> Self {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw APIError.malformedJSON(error, at: path)
        }
        var validation = Validation(rejectsUnknownFields: rejectsUnknownFields)
        guard let value = decode(json, at: path, &validation) else { throw APIError.validation(validation.issues) }
        return value
    }
}

extension String: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> String? {
        guard case .string(let s) = json else { return v.typeMismatch(path, expected: "a string", found: json) }
        return s
    }
    public func encode(to writer: inout JSONWriter) { writer.string(self) }
}

extension Int: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> Int? {
        guard let i = json.intValue else { return v.typeMismatch(path, expected: "an integer", found: json) }
        return i
    }
    public func encode(to writer: inout JSONWriter) { writer.int(self) }
}

extension Double: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> Double? {
        guard let d = json.doubleValue else { return v.typeMismatch(path, expected: "a number", found: json) }
        return d
    }
    public func encode(to writer: inout JSONWriter) { writer.double(self) }
}

extension Bool: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> Bool? {
        guard case .bool(let b) = json else { return v.typeMismatch(path, expected: "true or false", found: json) }
        return b
    }
    public func encode(to writer: inout JSONWriter) { writer.bool(self) }
}

extension ObjectId: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> ObjectId? {
        guard case .string(let s) = json else { return v.typeMismatch(path, expected: "an id string", found: json) }
        guard let id = ObjectId(s) else {
            v.report(path, "must be an id of 24 lowercase hexadecimal characters")
            return nil
        }
        return id
    }
    public func encode(to writer: inout JSONWriter) { writer.asciiString { appendHex(to: &$0) } }
}

extension Date: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> Date? {
        guard case .string(let s) = json else { return v.typeMismatch(path, expected: "a date-time string", found: json) }
        guard let date = Timestamp.parse(s) else {
            v.report(path, "must be an ISO 8601 date-time such as 2026-11-20T10:15:30.123Z")
            return nil
        }
        return date
    }
    public func encode(to writer: inout JSONWriter) { writer.asciiString { Timestamp.append(self, to: &$0) } }
}

extension JSONValue: JSONCodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> JSONValue? { json }
    public func encode(to writer: inout JSONWriter) { writer.value(self) }
}

extension Array: JSONDecodable where Element: JSONDecodable {
    public static func decode(_ json: JSONValue, at path: String, _ v: inout Validation) -> [Element]? {
        guard case .array(let items) = json else { return v.typeMismatch(path, expected: "an array", found: json) }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        let mark = v.mark
        for (i, item) in items.enumerated() {
            if let element = Element.decode(item, at: "\(path)[\(i)]", &v) { result.append(element) }
        }
        return v.isClean(since: mark) ? result : nil
    }
}

extension Array: JSONEncodable where Element: JSONEncodable {
    public func encode(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.encode(to: &writer) }
        writer.endArray()
    }
}

/// Scalars that arrive as text: query and path parameters, cookies.
public protocol TextDecodable: Sendable {
    init?(text: String)
    /// What the text must look like, for error messages.
    static var textDescription: String { get }
}

extension String: TextDecodable {
    public init?(text: String) { self = text }
    public static var textDescription: String { "a string" }
}

extension Int: TextDecodable {
    public init?(text: String) { self.init(text, radix: 10) }
    public static var textDescription: String { "an integer" }
}

extension Double: TextDecodable {
    public init?(text: String) {
        guard let d = Double(text), d.isFinite else { return nil }
        self = d
    }
    public static var textDescription: String { "a number" }
}

extension Bool: TextDecodable {
    public init?(text: String) {
        switch text {
        case "true", "1": self = true
        case "false", "0": self = false
        default: return nil
        }
    }
    public static var textDescription: String { "true or false" }
}

extension ObjectId: TextDecodable {
    public init?(text: String) { self.init(text) }
    public static var textDescription: String { "an id of 24 lowercase hexadecimal characters" }
}

extension Date: TextDecodable {
    public init?(text: String) {
        guard let date = Timestamp.parse(text) else { return nil }
        self = date
    }
    public static var textDescription: String { "an ISO 8601 date-time" }
}

/// The text form of a scalar, for clients that put values in paths and queries.
public protocol TextEncodable {
    var text: String { get }
}

extension String: TextEncodable { public var text: String { self } }
extension Int: TextEncodable { public var text: String { String(self) } }
extension Double: TextEncodable { public var text: String { "\(self)" } }
extension Bool: TextEncodable { public var text: String { self ? "true" : "false" } }
extension ObjectId: TextEncodable { public var text: String { description } }
extension Date: TextEncodable { public var text: String { Timestamp.format(self) } }
