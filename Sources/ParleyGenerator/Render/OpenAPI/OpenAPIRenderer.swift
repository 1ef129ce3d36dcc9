import ParleyJSON

/// Renders the public REST API (every non-internal service) as an OpenAPI 3.1 document, `openapi.json`.
public enum OpenAPIRenderer {
    public static let path = "openapi.json"

    public static func render(_ model: APIModel) -> GeneratedFile {
        GeneratedFile(path: path, contents: document(model).serialized(pretty: true))
    }

    static func document(_ model: APIModel) -> JSONValue {
        let builder = JSONSchemaBuilder(model: model)
        let services = model.services.filter { !$0.isInternal }
        let errorSchema = errorSchemaName

        var root = JSONObject()
        root["x-generated"] = .string(GeneratedHeader.text)
        root["openapi"] = "3.1.0"
        var info = JSONObject()
        info["title"] = .string(model.info.title)
        info["version"] = .string(model.info.version)
        info["description"] = .string([model.info.description, GeneratedHeader.text].compactMap { $0 }.joined(separator: "\n\n"))
        root["info"] = .object(info)
        root["servers"] = [["url": "/"]]
        root["tags"] = .array(
            services.map { service in
                var tag = JSONObject()
                tag["name"] = .string(service.name)
                if let description = service.description { tag["description"] = .string(description) }
                return .object(tag)
            }
        )

        // Paths, in order of first appearance; operations in route order.
        var paths = JSONObject()
        var usedErrors = Set<Int>()
        for service in services {
            for route in service.routes {
                let key = openAPIPath(route.fullPath(in: service))
                var item = paths[key]?.objectValue ?? JSONObject()
                item[route.method.rawValue.lowercased()] = operation(route, in: service, model: model, builder: builder)
                paths[key] = .object(item)
                usedErrors.formUnion(route.allErrors)
            }
        }
        root["paths"] = .object(paths)

        var components = JSONObject()
        var schemas = builder.componentSchemas()
        if model.type(named: errorSchema) == nil { schemas[errorSchema] = errorResponseSchema() }
        components["schemas"] = .object(schemas)

        var responses = JSONObject()
        for status in usedErrors.sorted() {
            responses[StatusDocs.componentName(status)] = errorResponse(status, schemaName: errorSchema, builder: builder)
        }
        if !responses.isEmpty { components["responses"] = .object(responses) }

        var schemes = JSONObject()
        for scheme in model.securitySchemes { schemes[scheme.name] = securityScheme(scheme) }
        if !schemes.isEmpty { components["securitySchemes"] = .object(schemes) }
        root["components"] = .object(components)
        return .object(root)
    }

    /// The error body's schema: the model's `ErrorResponse` when it declares one, otherwise added under that name.
    static let errorSchemaName = "ErrorResponse"

    /// `/api/chats/:id/members/:userId` → `/api/chats/{id}/members/{userId}`.
    static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{" + segment.dropFirst() + "}" : String(segment)
        }.joined(separator: "/")
    }

    static func operationId(_ route: Route, in service: Service) -> String { "\(service.name)_\(route.name)" }

    static func operation(_ route: Route, in service: Service, model: APIModel, builder: JSONSchemaBuilder) -> JSONValue {
        var op = JSONObject()
        op["operationId"] = .string(operationId(route, in: service))
        op["tags"] = [.string(service.name)]
        if let summary = route.summary { op["summary"] = .string(summary) }
        if let description = route.description { op["description"] = .string(description) }
        op["security"] = security(route, model: model)

        var parameters: [JSONValue] = []
        for param in route.params { parameters.append(parameter(param, in: "path", required: true, builder: builder)) }
        for query in route.query { parameters.append(parameter(query, in: "query", required: query.isRequired, builder: builder)) }
        for cookie in route.cookies {
            parameters.append(parameter(cookie, in: "cookie", required: cookie.isRequired, builder: builder))
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }

        if let body = route.body {
            var requestBody = JSONObject()
            if let description = model.type(named: body)?.description { requestBody["description"] = .string(description) }
            // The server takes an absent body as `{}` when that is valid, so such a body is optional.
            requestBody["required"] = .bool(model.type(named: body)?.properties.contains(where: \.isRequired) ?? true)
            requestBody["content"] = ["application/json": ["schema": builder.ref(body)]]
            op["requestBody"] = .object(requestBody)
        }

        var responses = JSONObject()
        for status in route.statuses {
            var response = JSONObject()
            let description = model.type(named: route.response)?.description
            response["description"] = .string(description ?? StatusDocs.reason(status))
            if !route.setsCookies.isEmpty {
                var header = JSONObject()
                header["description"] = .string(
                    "Sets the cookie\(route.setsCookies.count == 1 ? "" : "s") "
                        + route.setsCookies.map { "`\($0)`" }.joined(separator: ", ") + " (HttpOnly)."
                )
                header["schema"] = ["type": "string"]
                response["headers"] = ["Set-Cookie": .object(header)]
            }
            response["content"] = ["application/json": ["schema": builder.ref(route.response)]]
            responses[String(status)] = .object(response)
        }
        for status in route.allErrors where responses[String(status)] == nil {
            responses[String(status)] = ["$ref": .string("#/components/responses/" + StatusDocs.componentName(status))]
        }
        op["responses"] = .object(responses)
        return .object(op)
    }

    /// The route's security requirements: its scheme, and any cookie scheme whose cookie it reads.
    /// `[]` for a public route that reads no credential cookie.
    static func security(_ route: Route, model: APIModel) -> JSONValue {
        var required: [String] = []
        var optional: [String] = []
        if let name = route.security { required.append(name) }
        for cookie in route.cookies {
            for scheme in model.securitySchemes {
                guard case .cookie(let cookieName) = scheme.kind, cookieName == cookie.name,
                    !required.contains(scheme.name), !optional.contains(scheme.name)
                else { continue }
                if cookie.isRequired { required.append(scheme.name) } else { optional.append(scheme.name) }
            }
        }
        func requirement(_ names: [String]) -> JSONValue {
            var object = JSONObject()
            for name in names { object[name] = [] }
            return .object(object)
        }
        if required.isEmpty && optional.isEmpty { return [] }
        if optional.isEmpty { return [requirement(required)] }
        // An optional credential: with it, or without it.
        return [requirement(required + optional), requirement(required)]
    }

    static func parameter(_ property: Property, in location: String, required: Bool, builder: JSONSchemaBuilder) -> JSONValue {
        var out = JSONObject()
        out["name"] = .string(property.name)
        out["in"] = .string(location)
        if let description = property.description { out["description"] = .string(description) }
        out["required"] = .bool(required)
        var schemaProperty = property
        schemaProperty.description = nil
        out["schema"] = builder.schema(for: schemaProperty)
        return .object(out)
    }

    static func errorResponse(_ status: Int, schemaName: String, builder: JSONSchemaBuilder) -> JSONValue {
        let code = StatusDocs.code(status)
        var response = JSONObject()
        response["description"] = .string("\(StatusDocs.reason(status)) (`\(code)`)")
        if status == 429 {
            response["headers"] = [
                "Retry-After": [
                    "description": "Seconds to wait before retrying.",
                    "schema": ["type": "integer", "minimum": 0],
                ]
            ]
        }
        var example = JSONObject()
        example["statusCode"] = .integer(status)
        example["code"] = .string(code)
        example["message"] = .string(StatusDocs.reason(status))
        if status == 400 { example["details"] = [["path": "body.email", "message": "must be a valid email address"]] }
        response["content"] = [
            "application/json": ["schema": builder.ref(schemaName), "example": ["error": .object(example)]]
        ]
        return .object(response)
    }

    /// The contract's error body: `{error: {statusCode, code, message, details?: [{path, message}]}}`.
    static func errorResponseSchema() -> JSONValue {
        let codes = ErrorCatalog.codes.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", ")
        return [
            "type": "object",
            "description": "The body of every error response.",
            "properties": [
                "error": [
                    "type": "object",
                    "properties": [
                        "statusCode": ["type": "integer", "minimum": 400, "maximum": 599],
                        "code": [
                            "type": "string",
                            "description": .string("Machine-readable error code: \(codes)."),
                        ],
                        "message": ["type": "string"],
                        "details": [
                            "type": "array",
                            "description": "Only for validation errors: one entry per invalid input.",
                            "items": [
                                "type": "object",
                                "properties": ["path": ["type": "string"], "message": ["type": "string"]],
                                "required": ["path", "message"],
                                "additionalProperties": false,
                            ],
                        ],
                    ],
                    "required": ["statusCode", "code", "message"],
                    "additionalProperties": false,
                ]
            ],
            "required": ["error"],
            "additionalProperties": false,
        ]
    }

    static func securityScheme(_ scheme: SecurityScheme) -> JSONValue {
        var out = JSONObject()
        switch scheme.kind {
        case .bearer(let format):
            out["type"] = "http"
            out["scheme"] = "bearer"
            if let format { out["bearerFormat"] = .string(format) }
        case .cookie(let name):
            out["type"] = "apiKey"
            out["in"] = "cookie"
            out["name"] = .string(name)
        case .header(let name):
            out["type"] = "apiKey"
            out["in"] = "header"
            out["name"] = .string(name)
        }
        if let description = scheme.description { out["description"] = .string(description) }
        return .object(out)
    }
}
