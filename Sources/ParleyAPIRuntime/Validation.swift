import Foundation

/// One broken rule, as the contract's `details` entry: `{"path": "body.email", "message": "..."}`.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Collects issues while generated code decodes a value, so that a response lists every violation.
public struct Validation: Sendable {
    public private(set) var issues: [ValidationIssue] = []
    /// Servers reject unknown fields; clients reading a newer server's answers may not.
    public var rejectsUnknownFields: Bool

    public init(rejectsUnknownFields: Bool = true) { self.rejectsUnknownFields = rejectsUnknownFields }

    public var mark: Int { issues.count }
    public func isClean(since mark: Int) -> Bool { issues.count == mark }

    public mutating func report(_ path: String, _ message: String) {
        issues.append(ValidationIssue(path: path, message: message))
    }

    @inlinable
    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    public mutating func typeMismatch<T>(_ path: String, expected: String, found: JSONValue) -> T? {
        report(path, "must be \(expected), not \(found.typeName == "null" ? "null" : found.typeName)")
        return nil
    }

    // MARK: Objects and properties

    /// The object, after reporting keys that are not in `keys`.
    public mutating func object(_ json: JSONValue, at path: String, keys: Set<String>) -> JSONObject? {
        guard case .object(let object) = json else { return typeMismatch(path, expected: "an object", found: json) }
        if rejectsUnknownFields {
            for key in object.keys where !keys.contains(key) { report(Self.join(path, key), "is not a known field") }
        }
        return object
    }

    public mutating func required<T: JSONDecodable>(_ object: JSONObject, _ key: String, at path: String) -> T? {
        guard let json = object[key] else {
            report(Self.join(path, key), "is required")
            return nil
        }
        return T.decode(json, at: Self.join(path, key), &self)
    }

    /// Absent is nil; `null` is a mistake.
    public mutating func optional<T: JSONDecodable>(_ object: JSONObject, _ key: String, at path: String) -> T? {
        guard let json = object[key] else { return nil }
        return T.decode(json, at: Self.join(path, key), &self)
    }

    /// Present, possibly `null`: `.some(nil)` for null, nil when absent or invalid.
    public mutating func requiredNullable<T: JSONDecodable>(_ object: JSONObject, _ key: String, at path: String) -> T?? {
        guard let json = object[key] else {
            report(Self.join(path, key), "is required")
            return nil
        }
        if case .null = json { return .some(nil) }
        return T.decode(json, at: Self.join(path, key), &self).map { .some($0) }
    }

    /// Absent and `null` are both nil.
    public mutating func optionalNullable<T: JSONDecodable>(_ object: JSONObject, _ key: String, at path: String) -> T? {
        guard let json = object[key] else { return nil }
        if case .null = json { return nil }
        return T.decode(json, at: Self.join(path, key), &self)
    }

    // MARK: Text parameters

    /// A query or path parameter or a cookie: absent is nil, text that does not parse is reported.
    public mutating func text<T: TextDecodable>(_ raw: String?, _ key: String, at path: String) -> T? {
        guard let raw else { return nil }
        guard let value = T(text: raw) else {
            report(Self.join(path, key), "must be \(T.textDescription)")
            return nil
        }
        return value
    }

    public mutating func requiredText<T: TextDecodable>(_ raw: String?, _ key: String, at path: String) -> T? {
        guard raw != nil else {
            // Present but undecodable (a query value that is not UTF-8) has been reported already.
            let where_ = Self.join(path, key)
            if !issues.contains(where: { $0.path == where_ }) { report(where_, "is required") }
            return nil
        }
        return text(raw, key, at: path)
    }

    // MARK: Constraints

    public mutating func check(
        _ value: String,
        at path: String,
        _ key: String,
        minLength: Int? = nil,
        maxLength: Int? = nil,
        pattern: Pattern? = nil,
        oneOf allowed: [String]? = nil
    ) {
        if minLength != nil || maxLength != nil {
            // Unicode scalars, as JSON Schema counts: a grapheme cluster may carry any number of combining marks,
            // so counting clusters would bound nothing ("a" + 300,000 × U+0301 is one character).
            let length = value.unicodeScalars.count
            if let minLength, length < minLength {
                report(Self.join(path, key), minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters")
            }
            if let maxLength, length > maxLength { report(Self.join(path, key), "must be at most \(maxLength) characters") }
        }
        if let pattern, !pattern.matches(value) { report(Self.join(path, key), pattern.message) }
        if let allowed, !allowed.contains(value) {
            report(Self.join(path, key), "must be one of: \(allowed.joined(separator: ", "))")
        }
    }

    public mutating func checkEmail(_ value: String, at path: String, _ key: String, minLength: Int? = nil, maxLength: Int? = nil) {
        check(value, at: path, key, minLength: minLength, maxLength: maxLength ?? 254)
        if !Self.isEmail(value) { report(Self.join(path, key), "must be a valid email address") }
    }

    /// `pattern` is the schema's own URL pattern (the OpenAPI document carries the same), so that the server and
    /// every client agree on which URLs are valid.
    public mutating func checkURL(_ value: String, at path: String, _ key: String, pattern: Pattern, maxLength: Int? = nil) {
        if let maxLength, value.unicodeScalars.count > maxLength { report(Self.join(path, key), "must be at most \(maxLength) characters") }
        if !pattern.matches(value) { report(Self.join(path, key), pattern.message) }
    }

    public mutating func check<N: Comparable & Numeric>(_ value: N, at path: String, _ key: String, minimum: N? = nil, maximum: N? = nil) {
        if let minimum, value < minimum { report(Self.join(path, key), "must be at least \(minimum)") }
        if let maximum, value > maximum { report(Self.join(path, key), "must be at most \(maximum)") }
    }

    public mutating func check<E>(_ value: [E], at path: String, _ key: String, minItems: Int? = nil, maxItems: Int? = nil) {
        if let minItems, value.count < minItems {
            report(Self.join(path, key), minItems == 1 ? "must not be empty" : "must have at least \(minItems) items")
        }
        if let maxItems, value.count > maxItems { report(Self.join(path, key), "must have at most \(maxItems) items") }
    }

    public mutating func checkUnique<E: Hashable>(_ value: [E], at path: String, _ key: String) {
        if Set(value).count != value.count { report(Self.join(path, key), "must not contain duplicates") }
    }

    static func isEmail(_ value: String) -> Bool {
        // Invisible characters (zero-width spaces, bidi marks), controls and unassigned code points make addresses that
        // look like someone else's.
        let invisible = value.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned, .spaceSeparator, .lineSeparator, .paragraphSeparator: true
            default: false
            }
        }
        guard !invisible else { return false }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, !local.isEmpty, local.unicodeScalars.count <= 64,
            domain.count >= 3, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..")
        else { return false }
        return !value.contains { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }
            && domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    }
}

/// A compiled pattern from the schema; the whole value must match.
public struct Pattern: Sendable {
    public let source: String
    /// What a value that does not match is told.
    public let message: String
    private let regex: NSRegularExpression?

    /// The generator has already checked that the pattern compiles; one that does not matches nothing.
    public init(_ source: String, message: String? = nil) {
        self.source = source
        self.message = message ?? "must match \(source)"
        self.regex = try? NSRegularExpression(pattern: source)
    }

    public func matches(_ value: String) -> Bool {
        guard let regex else { return false }
        let range = NSRange(value.startIndex..<value.endIndex, in: value)
        guard let match = regex.firstMatch(in: value, options: [], range: range) else { return false }
        return match.range == range
    }
}
