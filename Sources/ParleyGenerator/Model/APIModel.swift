/// The intermediate model: what `schema/` says, resolved and checked, independent of any output language.
/// Parsing produces it; every renderer and the breaking-change diff read it.
public struct APIModel: Sendable, Equatable {
    public var info: Info
    public var securitySchemes: [SecurityScheme]
    /// Named types, inline objects included (hoisted under a derived name), in declaration order.
    public var types: [TypeDecl]
    public var services: [Service]
    public var clientEvents: [Event]
    public var serverEvents: [Event]

    public init(
        info: Info,
        securitySchemes: [SecurityScheme] = [],
        types: [TypeDecl] = [],
        services: [Service] = [],
        clientEvents: [Event] = [],
        serverEvents: [Event] = []
    ) {
        self.info = info
        self.securitySchemes = securitySchemes
        self.types = types
        self.services = services
        self.clientEvents = clientEvents
        self.serverEvents = serverEvents
    }

    public func type(named name: String) -> TypeDecl? { types.first { $0.name == name } }
    public func securityScheme(named name: String) -> SecurityScheme? { securitySchemes.first { $0.name == name } }

    /// Whether `route` is called by an authenticated user, whom its handler gets as `caller`.
    public func hasCaller(_ route: Route) -> Bool {
        guard let scheme = route.security, case .bearer? = securityScheme(named: scheme)?.kind else { return false }
        return true
    }
}

public struct Info: Sendable, Equatable {
    public var title: String
    public var version: String
    public var description: String?
}

public struct SecurityScheme: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `Authorization: Bearer <token>`.
        case bearer(format: String?)
        /// A cookie holding a credential.
        case cookie(name: String)
        /// A header holding a shared secret.
        case header(name: String)
    }
    public var name: String
    public var kind: Kind
    public var description: String?
}

/// Where a declaration came from, for diagnostics: file and JSON path, e.g. `schema/auth.json` `$.services.auth`.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var description: String { "\(file): \(path)" }
}

public struct TypeDecl: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case object([Property])
        case enumeration([String])
    }
    public var name: String
    public var description: String?
    public var kind: Kind
    /// True for objects written inline in a route or event and named by the parser.
    public var isInline: Bool
    public var location: SourceLocation

    public var properties: [Property] { if case .object(let p) = kind { p } else { [] } }
}

public struct Property: Sendable, Equatable {
    /// The name on the wire (`_id`, `avatarUrl`).
    public var name: String
    public var field: Field
    public var description: String?
    /// May be absent.
    public var isOptional: Bool
    /// May be `null`.
    public var isNullable: Bool
    /// Used when absent (query parameters and bodies); implies optional on the wire.
    public var defaultValue: DefaultValue?

    public var isRequired: Bool { !isOptional && defaultValue == nil }
}

public enum DefaultValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
}

/// A value's type and the constraints on it.
public indirect enum Field: Sendable, Equatable {
    case string(StringConstraints)
    case integer(NumberConstraints)
    case number(NumberConstraints)
    case boolean
    /// 24 lowercase hexadecimal characters.
    case objectId
    /// ISO 8601 UTC with milliseconds: `2026-11-20T10:15:30.123Z`.
    case dateTime
    case email(StringConstraints)
    case url(URLConstraints)
    /// Any JSON value, not validated.
    case json
    case array(ArrayConstraints, of: Field)
    /// A named type: an object or an enumeration.
    case ref(String)
}

public struct StringConstraints: Sendable, Equatable {
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    /// What a value breaking `pattern` is told ("must not contain control characters"), instead of the pattern itself.
    public var patternMessage: String?
    /// Allowed values, when the string is an inline enumeration.
    public var enumeration: [String]?
    public init(
        minLength: Int? = nil,
        maxLength: Int? = nil,
        pattern: String? = nil,
        patternMessage: String? = nil,
        enumeration: [String]? = nil
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.patternMessage = patternMessage
        self.enumeration = enumeration
    }
}

public struct NumberConstraints: Sendable, Equatable {
    public var minimum: Double?
    public var maximum: Double?
    public init(minimum: Double? = nil, maximum: Double? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }
}

public struct URLConstraints: Sendable, Equatable {
    /// Allowed schemes of an absolute URL, e.g. `["https"]`.
    public var schemes: [String]
    /// Also accept a path relative to this server (`/media/...`).
    public var allowsRelative: Bool
    public var maxLength: Int?
    public init(schemes: [String] = ["http", "https"], allowsRelative: Bool = false, maxLength: Int? = nil) {
        self.schemes = schemes
        self.allowsRelative = allowsRelative
        self.maxLength = maxLength
    }
}

public struct ArrayConstraints: Sendable, Equatable {
    public var minItems: Int?
    public var maxItems: Int?
    public var uniqueItems: Bool
    public init(minItems: Int? = nil, maxItems: Int? = nil, uniqueItems: Bool = false) {
        self.minItems = minItems
        self.maxItems = maxItems
        self.uniqueItems = uniqueItems
    }
}

public enum HTTPMethod: String, Sendable, Equatable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

public struct Service: Sendable, Equatable {
    /// Lower-case identifier: `auth`, `users`, ...
    public var name: String
    public var description: String?
    /// Public prefix on the gateway: `/api/auth`.
    public var basePath: String
    /// Reachable only between services, never routed by the gateway.
    public var isInternal: Bool
    public var routes: [Route]
    public var location: SourceLocation
}

public struct Route: Sendable, Equatable {
    /// Operation name, unique in its service: `register`, `getById`.
    public var name: String
    public var summary: String?
    public var description: String?
    public var method: HTTPMethod
    /// Path relative to the service's base path, with `:name` parameters: `/:id/members/:userId`.
    public var path: String
    /// Name of the security scheme the route requires, nil when public.
    public var security: String?
    /// Path parameters, in path order.
    public var params: [Property]
    public var query: [Property]
    /// Request cookies the route reads.
    public var cookies: [Property]
    /// Name of the request body type (an object type), if any.
    public var body: String?
    /// Name of the response body type (an object type).
    public var response: String
    /// Success statuses; the first is the usual one.
    public var statuses: [Int]
    /// Error statuses the route may answer, besides those every route may (429, 500) and those implied by
    /// its inputs (400) and security (401).
    public var errors: [Int]
    /// Names of the cookies the response may set.
    public var setsCookies: [String]
    public var location: SourceLocation

    public func fullPath(in service: Service) -> String { path == "/" ? service.basePath : service.basePath + path }

    /// Errors including the implied ones, sorted.
    public var allErrors: [Int] {
        var all = Set(errors)
        if !params.isEmpty || !query.isEmpty || body != nil { all.insert(400) }
        if security != nil { all.insert(401) }
        if body != nil { all.insert(413) }
        all.insert(429)
        all.insert(500)
        return all.sorted()
    }
}

public struct Event: Sendable, Equatable {
    /// Wire name: `message:send`.
    public var name: String
    public var description: String?
    /// Name of the payload type.
    public var payload: String
    /// Name of the acknowledgement type, if the event is acknowledged.
    public var ack: String?
    public var location: SourceLocation
}

/// The contract's error codes by status.
public enum ErrorCatalog {
    public static let codes: [Int: String] = [
        400: "VALIDATION_FAILED", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
        409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 429: "RATE_LIMITED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
        503: "UNAVAILABLE",
    ]
}
