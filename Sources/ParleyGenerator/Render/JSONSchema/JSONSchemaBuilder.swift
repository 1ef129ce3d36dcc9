import ParleyJSON

/// Builds JSON Schema for the model's types and fields, shared by the OpenAPI 3.1 and AsyncAPI 3 renderers.
///
/// Named types are referenced with `$ref` under `refPrefix` (`#/components/schemas/`). Nullability uses the
/// 2020-12 style (`type: ["string", "null"]`) for inline schemas and `oneOf` with `{type: "null"}` for references,
/// which both OpenAPI 3.1 and the AsyncAPI schema format accept.
struct JSONSchemaBuilder {
    var model: APIModel
    var refPrefix: String = "#/components/schemas/"
    /// Whether keywords may sit beside `$ref` (true in JSON Schema 2020-12, i.e. OpenAPI 3.1). When false, a
    /// reference that carries a description or a default is wrapped in `allOf`.
    var allowsRefSiblings: Bool = true

    init(model: APIModel, refPrefix: String = "#/components/schemas/", allowsRefSiblings: Bool = true) {
        self.model = model
        self.refPrefix = refPrefix
        self.allowsRefSiblings = allowsRefSiblings
    }

    /// `components.schemas`: every type of the model, in declaration order.
    func componentSchemas() -> JSONObject {
        var schemas = JSONObject()
        for decl in model.types { schemas[decl.name] = schema(for: decl) }
        return schemas
    }

    func ref(_ name: String) -> JSONValue { ["$ref": .string(refPrefix + name)] }

    /// The schema of a named type.
    func schema(for decl: TypeDecl) -> JSONValue {
        var out = JSONObject()
        switch decl.kind {
        case .enumeration(let values):
            out["type"] = "string"
            if let description = decl.description { out["description"] = .string(description) }
            out["enum"] = .array(values.map { .string($0) })
        case .object(let properties):
            out["type"] = "object"
            if let description = decl.description { out["description"] = .string(description) }
            out["properties"] = .object(propertiesSchema(properties))
            let required = properties.filter(\.isRequired).map { JSONValue.string($0.name) }
            if !required.isEmpty { out["required"] = .array(required) }
            out["additionalProperties"] = false
        }
        return .object(out)
    }

    func propertiesSchema(_ properties: [Property]) -> JSONObject {
        var out = JSONObject()
        for property in properties { out[property.name] = schema(for: property) }
        return out
    }

    /// The schema of a property or parameter: its field, plus description, nullability and default.
    func schema(for property: Property) -> JSONValue {
        schema(
            for: property.field,
            description: property.description,
            nullable: property.isNullable,
            defaultValue: property.defaultValue
        )
    }

    func schema(
        for field: Field,
        description: String? = nil,
        nullable: Bool = false,
        defaultValue: DefaultValue? = nil
    ) -> JSONValue {
        var annotations = JSONObject()
        if let description { annotations["description"] = .string(description) }
        if let defaultValue { annotations["default"] = Self.json(defaultValue) }

        if case .ref(let name) = field {
            var base: JSONValue = ref(name)
            if nullable { base = ["oneOf": [ref(name), ["type": "null"]]] }
            if annotations.isEmpty { return base }
            if case .object(var object) = base, nullable || allowsRefSiblings {
                for (key, value) in annotations.entries { object[key] = value }
                return .object(object)
            }
            var wrapped = JSONObject()
            wrapped["allOf"] = [base]
            for (key, value) in annotations.entries { wrapped[key] = value }
            return .object(wrapped)
        }

        var out = JSONObject()
        if case .json = field {
            // Any JSON value, null included.
            for (key, value) in annotations.entries { out[key] = value }
            return .object(out)
        }
        let (typeName, constraints) = fieldSchema(field)
        out["type"] = nullable ? [.string(typeName), "null"] : .string(typeName)
        if let description { out["description"] = .string(description) }
        for (key, value) in constraints.entries {
            if key == "enum", nullable, case .array(let values) = value {
                out[key] = .array(values + [.null])
            } else {
                out[key] = value
            }
        }
        if let defaultValue { out["default"] = Self.json(defaultValue) }
        return .object(out)
    }

    /// The JSON type name of a non-reference, non-`json` field, and its other keywords in a stable order.
    private func fieldSchema(_ field: Field) -> (String, JSONObject) {
        var out = JSONObject()
        switch field {
        case .string(let c):
            if let v = c.minLength { out["minLength"] = .integer(v) }
            if let v = c.maxLength { out["maxLength"] = .integer(v) }
            if let v = c.pattern { out["pattern"] = .string(v) }
            if let values = c.enumeration { out["enum"] = .array(values.map { .string($0) }) }
            return ("string", out)
        case .integer(let c):
            if let v = c.minimum { out["minimum"] = Self.integral(v) }
            if let v = c.maximum { out["maximum"] = Self.integral(v) }
            return ("integer", out)
        case .number(let c):
            if let v = c.minimum { out["minimum"] = .double(v) }
            if let v = c.maximum { out["maximum"] = .double(v) }
            return ("number", out)
        case .boolean:
            return ("boolean", out)
        case .objectId:
            out["pattern"] = .string(Self.objectIdPattern)
            return ("string", out)
        case .dateTime:
            out["format"] = "date-time"
            return ("string", out)
        case .email(let c):
            out["format"] = "email"
            if let v = c.minLength { out["minLength"] = .integer(v) }
            if let v = c.maxLength { out["maxLength"] = .integer(v) }
            return ("string", out)
        case .url(let c):
            out["format"] = c.allowsRelative ? "uri-reference" : "uri"
            if let v = c.maxLength { out["maxLength"] = .integer(v) }
            out["pattern"] = .string(Self.urlPattern(c))
            return ("string", out)
        case .array(let c, let items):
            out["items"] = schema(for: items)
            if let v = c.minItems { out["minItems"] = .integer(v) }
            if let v = c.maxItems { out["maxItems"] = .integer(v) }
            if c.uniqueItems { out["uniqueItems"] = true }
            return ("array", out)
        case .json, .ref:
            // Handled by the caller.
            return ("object", out)
        }
    }

    static let objectIdPattern = "^[0-9a-f]{24}$"

    /// The whole rule for a URL field, also what the server checks (the Swift renderer compiles this same pattern):
    /// an absolute URL with one of the allowed schemes and a host, or a path starting with one `/` when relative URLs
    /// are allowed. ASCII only, as RFC 3986 writes URLs (anything else is percent-encoded), so that every
    /// regular-expression engine reading the document agrees on it; only what RFC 3986 allows where it stands, so that
    /// whatever matches is also a valid `uri` / `uri-reference`.
    static func urlPattern(_ c: URLConstraints) -> String {
        let schemes = c.schemes.map { scheme in
            scheme.lowercased().map { ch -> String in ch.isLetter || ch.isNumber ? String(ch) : "\\" + String(ch) }.joined()
        }
        // RFC 3986: path characters (with `/`), then an optional query and fragment, which also allow `?`.
        let path = "(?:[-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*"
        let rest = "(?:\\?(?:[-A-Za-z0-9._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?(?:#(?:[-A-Za-z0-9._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?"
        var alternatives: [String] = []
        if !schemes.isEmpty {
            alternatives.append(
                (schemes.count == 1 ? schemes[0] : "(?:" + schemes.joined(separator: "|") + ")")
                    + "://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/" + path + ")?" + rest
            )
        }
        if c.allowsRelative { alternatives.append("/(?!/)" + path + rest) }
        return "^(?:" + alternatives.joined(separator: "|") + ")$"
    }

    /// What a value breaking `urlPattern` is told.
    static func urlMessage(_ c: URLConstraints) -> String {
        let allowed = c.schemes.map { "\($0)://" }.joined(separator: " or ")
        return "must be a URL starting with \(allowed) and a host\(c.allowsRelative ? ", or a path starting with /" : "")"
    }

    static func json(_ value: DefaultValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .integer(let i): .integer(i)
        case .number(let d): .double(d)
        case .boolean(let b): .bool(b)
        }
    }

    static func integral(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 9.0e15 { return .integer(Int(value)) }
        return .double(value)
    }
}

/// Reason phrases and the contract's error codes, shared by the document renderers.
enum StatusDocs {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "HTTP \(status)"
        }
    }

    /// The contract code for an error status (`VALIDATION_FAILED`), `INTERNAL` for an unknown one.
    static func code(_ status: Int) -> String { ErrorCatalog.codes[status] ?? "INTERNAL" }

    /// `VALIDATION_FAILED` → `ValidationFailed`: the component name of a shared error response.
    static func componentName(_ status: Int) -> String {
        guard let code = ErrorCatalog.codes[status] else { return "Error\(status)" }
        return code.lowercased().split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
