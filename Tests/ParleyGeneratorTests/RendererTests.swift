import Foundation
import ParleyJSON
import Testing

@testable import ParleyGenerator

/// A small model touching every feature the document renderers handle.
enum RendererFixture {
    static let here = SourceLocation(file: "test.json", path: "$")

    static func prop(
        _ name: String,
        _ field: Field,
        optional: Bool = false,
        nullable: Bool = false,
        default value: DefaultValue? = nil,
        description: String? = nil
    ) -> Property {
        Property(
            name: name,
            field: field,
            description: description,
            isOptional: optional,
            isNullable: nullable,
            defaultValue: value
        )
    }

    static func object(_ name: String, _ properties: [Property], inline: Bool = false, description: String? = nil) -> TypeDecl {
        TypeDecl(name: name, description: description, kind: .object(properties), isInline: inline, location: here)
    }

    static func route(
        _ name: String,
        _ method: HTTPMethod,
        _ path: String,
        security: String? = "bearer",
        params: [Property] = [],
        query: [Property] = [],
        cookies: [Property] = [],
        body: String? = nil,
        response: String,
        statuses: [Int] = [200],
        errors: [Int] = [],
        setsCookies: [String] = [],
        summary: String? = nil
    ) -> Route {
        Route(
            name: name,
            summary: summary,
            description: nil,
            method: method,
            path: path,
            security: security,
            params: params,
            query: query,
            cookies: cookies,
            body: body,
            response: response,
            statuses: statuses,
            errors: errors,
            setsCookies: setsCookies,
            location: here
        )
    }

    static let model: APIModel = {
        let types: [TypeDecl] = [
            TypeDecl(
                name: "NoteStatus",
                description: "Where a note is in its life.",
                kind: .enumeration(["draft", "published"]),
                isInline: false,
                location: here
            ),
            object(
                "Note",
                [
                    prop("_id", .objectId),
                    prop("title", .string(StringConstraints(minLength: 1, maxLength: 100)), description: "The title."),
                    prop("body", .string(StringConstraints(maxLength: 10000)), nullable: true),
                    prop("status", .ref("NoteStatus")),
                    prop(
                        "tags",
                        .array(
                            ArrayConstraints(maxItems: 10, uniqueItems: true),
                            of: .string(StringConstraints(pattern: "^[a-z]+$"))
                        )
                    ),
                    prop("link", .url(URLConstraints(schemes: ["https"], allowsRelative: true)), optional: true),
                    prop("kind", .string(StringConstraints(enumeration: ["text", "list"]))),
                    prop("score", .number(NumberConstraints(minimum: 0, maximum: 1.5)), optional: true),
                    prop("owner", .ref("Owner"), nullable: true),
                    prop("data", .json, optional: true),
                    prop("createdAt", .dateTime),
                ],
                description: "A note. */ still a comment"
            ),
            object("Owner", [prop("email", .email(StringConstraints(maxLength: 254)))]),
            object(
                "NotesCreateBody",
                [
                    prop("title", .string(StringConstraints(minLength: 1, maxLength: 100))),
                    prop("status", .ref("NoteStatus"), default: .string("draft")),
                    prop("pinned", .boolean, default: .boolean(false)),
                ],
                inline: true
            ),
            object("NoteResponse", [prop("note", .ref("Note"))]),
            object(
                "NotesListResponse",
                [
                    prop("notes", .array(ArrayConstraints(), of: .ref("Note"))),
                    prop("nextCursor", .string(StringConstraints()), nullable: true),
                ],
                inline: true
            ),
            object("AuthRefreshResponse", [prop("accessToken", .string(StringConstraints()))], inline: true),
            object("SuccessResponse", [prop("success", .boolean)]),
            object("SendNotePayload", [prop("title", .string(StringConstraints(minLength: 1))), prop("tempId", .string(StringConstraints()))]),
            object("SendNoteAck", [prop("ok", .boolean), prop("note", .ref("Note"), optional: true)]),
            object("TypingStartPayload", [prop("noteId", .objectId)], inline: true),
        ]
        let notes = Service(
            name: "notes",
            description: "Notes.",
            basePath: "/api/notes",
            isInternal: false,
            routes: [
                route(
                    "list",
                    .get,
                    "/",
                    query: [
                        prop("limit", .integer(NumberConstraints(minimum: 1, maximum: 100)), default: .integer(50)),
                        prop("cursor", .string(StringConstraints()), optional: true),
                        prop("status", .ref("NoteStatus"), optional: true),
                    ],
                    response: "NotesListResponse",
                    summary: "List notes"
                ),
                route("get", .get, "/:id", params: [prop("id", .objectId)], response: "NoteResponse", errors: [404]),
                route("create", .post, "/", body: "NotesCreateBody", response: "NoteResponse", statuses: [201, 200]),
                route(
                    "delete",
                    .delete,
                    "/:id/tags/:tag",
                    params: [prop("id", .objectId), prop("tag", .string(StringConstraints()))],
                    query: [prop("everywhere", .boolean, optional: true)],
                    response: "SuccessResponse",
                    errors: [403, 404]
                ),
                route(
                    "search",
                    .get,
                    "/search",
                    security: nil,
                    query: [prop("q", .string(StringConstraints(minLength: 1, maxLength: 64)))],
                    response: "NotesListResponse"
                ),
            ],
            location: here
        )
        let auth = Service(
            name: "auth",
            description: "Sessions.",
            basePath: "/api/auth",
            isInternal: false,
            routes: [
                route(
                    "refresh",
                    .post,
                    "/refresh",
                    security: nil,
                    cookies: [prop("refreshToken", .string(StringConstraints()))],
                    response: "AuthRefreshResponse",
                    errors: [401],
                    setsCookies: ["refreshToken"]
                ),
                route(
                    "logout",
                    .post,
                    "/logout",
                    security: nil,
                    cookies: [prop("refreshToken", .string(StringConstraints()), optional: true)],
                    response: "SuccessResponse",
                    setsCookies: ["refreshToken"]
                ),
            ],
            location: here
        )
        let internalService = Service(
            name: "mailer",
            description: nil,
            basePath: "/internal/mailer",
            isInternal: true,
            routes: [
                route("send", .post, "/send", security: "internalSecret", body: "Owner", response: "SuccessResponse")
            ],
            location: here
        )
        return APIModel(
            info: Info(title: "Notes", version: "1.2.3", description: "A test API."),
            securitySchemes: [
                SecurityScheme(name: "bearer", kind: .bearer(format: "JWT"), description: "Access token"),
                SecurityScheme(name: "refreshCookie", kind: .cookie(name: "refreshToken"), description: nil),
                SecurityScheme(name: "internalSecret", kind: .header(name: "X-Internal-Secret"), description: nil),
            ],
            types: types,
            services: [notes, auth, internalService],
            clientEvents: [
                Event(name: "note:send", description: "Create a note.", payload: "SendNotePayload", ack: "SendNoteAck", location: here),
                Event(name: "typing:start", description: nil, payload: "TypingStartPayload", ack: nil, location: here),
            ],
            serverEvents: [Event(name: "note:new", description: "A note was created.", payload: "Note", ack: nil, location: here)]
        )
    }()
}

private func parse(_ file: GeneratedFile) throws -> JSONValue { try JSONParser.parse(file.contents) }

private func at(_ value: JSONValue?, _ path: String...) -> JSONValue? {
    var current = value
    for key in path {
        if let index = Int(key), let array = current?.arrayValue {
            current = index < array.count ? array[index] : nil
        } else {
            current = current?[key]
        }
    }
    return current
}

@Suite struct OpenAPIRendererTests {
    let doc: JSONValue

    init() throws { doc = try parse(OpenAPIRenderer.render(RendererFixture.model)) }

    @Test func headerAndInfo() throws {
        let file = OpenAPIRenderer.render(RendererFixture.model)
        #expect(file.path == "openapi.json")
        #expect(file.contents.split(separator: "\n")[1].contains(GeneratedHeader.text))
        #expect(doc.objectValue?.keys.first == "x-generated")
        #expect(at(doc, "openapi") == "3.1.0")
        #expect(at(doc, "info", "version") == "1.2.3")
        #expect(at(doc, "servers", "0", "url") == "/")
    }

    @Test func pathsAndOperations() {
        #expect(at(doc, "paths", "/api/notes/{id}", "get", "operationId") == "notes_get")
        #expect(at(doc, "paths", "/api/notes", "get", "operationId") == "notes_list")
        #expect(at(doc, "paths", "/api/notes", "post", "operationId") == "notes_create")
        #expect(at(doc, "paths", "/api/notes/{id}/tags/{tag}", "delete", "parameters", "1", "name") == "tag")
        #expect(at(doc, "paths", "/api/notes/{id}", "get", "tags") == ["notes"])
        // Internal services are not published.
        #expect(at(doc, "paths", "/internal/mailer/send") == nil)
        #expect(doc["paths"]?.objectValue?.keys.contains { $0.contains("mailer") } == false)
    }

    @Test func securityAndErrors() {
        let get = at(doc, "paths", "/api/notes/{id}", "get")
        #expect(at(get, "security") == [["bearer": []]])
        #expect(at(get, "responses", "401", "$ref") == "#/components/responses/Unauthorized")
        #expect(at(get, "responses", "404", "$ref") == "#/components/responses/NotFound")
        #expect(at(get, "responses", "400", "$ref") == "#/components/responses/ValidationFailed")
        #expect(at(get, "responses", "200", "content", "application/json", "schema", "$ref") == "#/components/schemas/NoteResponse")

        let search = at(doc, "paths", "/api/notes/search", "get")
        #expect(at(search, "security") == [])
        #expect(at(search, "responses", "401") == nil)
        #expect(at(search, "responses", "429") != nil)
        #expect(at(search, "responses", "413") == nil)

        let create = at(doc, "paths", "/api/notes", "post")
        #expect(at(create, "responses", "201") != nil && at(create, "responses", "200") != nil)
        #expect(at(create, "responses", "413", "$ref") == "#/components/responses/PayloadTooLarge")
        #expect(at(create, "requestBody", "content", "application/json", "schema", "$ref") == "#/components/schemas/NotesCreateBody")

        let refresh = at(doc, "paths", "/api/auth/refresh", "post")
        #expect(at(refresh, "security") == [["refreshCookie": []]])
        #expect(at(refresh, "parameters", "0", "in") == "cookie")
        #expect(at(refresh, "responses", "200", "headers", "Set-Cookie", "schema", "type") == "string")
        // An optional credential cookie: with it or without it.
        #expect(at(doc, "paths", "/api/auth/logout", "post", "security") == [["refreshCookie": []], [:]])
        #expect(at(doc, "paths", "/api/auth/logout", "post", "parameters", "0", "required") == false)

        #expect(at(doc, "components", "responses", "RateLimited", "headers", "Retry-After", "schema", "type") == "integer")
        #expect(
            at(doc, "components", "responses", "NotFound", "content", "application/json", "schema", "$ref")
                == "#/components/schemas/ErrorResponse"
        )
        #expect(at(doc, "components", "schemas", "ErrorResponse", "properties", "error", "required") == ["statusCode", "code", "message"])
        #expect(
            at(doc, "components", "securitySchemes", "bearer") == [
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Access token",
            ]
        )
        #expect(at(doc, "components", "securitySchemes", "refreshCookie") == ["type": "apiKey", "in": "cookie", "name": "refreshToken"])
        #expect(at(doc, "components", "securitySchemes", "internalSecret", "in") == "header")
    }

    @Test func parameters() {
        let limit = at(doc, "paths", "/api/notes", "get", "parameters", "0")
        #expect(at(limit, "name") == "limit")
        #expect(at(limit, "in") == "query")
        #expect(at(limit, "required") == false)
        #expect(at(limit, "schema") == ["type": "integer", "minimum": 1, "maximum": 100, "default": 50])
        #expect(at(doc, "paths", "/api/notes/search", "get", "parameters", "0", "required") == true)
        let id = at(doc, "paths", "/api/notes/{id}", "get", "parameters", "0")
        #expect(at(id, "in") == "path")
        #expect(at(id, "required") == true)
        #expect(at(id, "schema") == ["type": "string", "pattern": "^[0-9a-f]{24}$"])
    }

    @Test func schemas() throws {
        let note = at(doc, "components", "schemas", "Note")
        #expect(at(note, "type") == "object")
        #expect(at(note, "additionalProperties") == false)
        #expect(at(note, "required") == ["_id", "title", "body", "status", "tags", "kind", "owner", "createdAt"])
        #expect(at(note, "properties", "title") == ["type": "string", "description": "The title.", "minLength": 1, "maxLength": 100])
        #expect(at(note, "properties", "body", "type") == ["string", "null"])
        #expect(at(note, "properties", "status") == ["$ref": "#/components/schemas/NoteStatus"])
        #expect(at(note, "properties", "owner", "oneOf") == [["$ref": "#/components/schemas/Owner"], ["type": "null"]])
        #expect(at(note, "properties", "tags", "uniqueItems") == true)
        #expect(at(note, "properties", "tags", "items", "pattern") == "^[a-z]+$")
        #expect(at(note, "properties", "link", "format") == "uri-reference")
        let link = try #require(at(note, "properties", "link", "pattern")?.stringValue)
        let regex = try NSRegularExpression(pattern: link)
        func matches(_ text: String) -> Bool { regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
        for good in ["https://example.com", "https://a.b:8443/x/y?q=1&r=%20#top", "/media/a.png", "/"] { #expect(matches(good), "\(good)") }
        for bad in ["https://", "http://example.com", "//evil.example", "/<x>", "/a b", "/a%2", "https://a b", "javascript:alert(1)"] {
            #expect(!matches(bad), "\(bad)")
        }
        #expect(at(note, "properties", "kind", "enum") == ["text", "list"])
        #expect(at(note, "properties", "score", "maximum") == 1.5)
        #expect(at(note, "properties", "data") == [:])
        #expect(at(note, "properties", "createdAt", "format") == "date-time")
        #expect(at(doc, "components", "schemas", "Owner", "properties", "email", "format") == "email")
        #expect(
            at(doc, "components", "schemas", "NoteStatus") == [
                "type": "string", "description": "Where a note is in its life.", "enum": ["draft", "published"],
            ]
        )
        let body = at(doc, "components", "schemas", "NotesCreateBody")
        #expect(at(body, "required") == ["title"])
        #expect(at(body, "properties", "status") == ["$ref": "#/components/schemas/NoteStatus", "default": "draft"])
    }

    @Test func reusesDeclaredErrorResponse() throws {
        var model = RendererFixture.model
        model.types.append(RendererFixture.object("ErrorResponse", [RendererFixture.prop("error", .json)]))
        let doc = try parse(OpenAPIRenderer.render(model))
        #expect(
            at(doc, "components", "schemas", "ErrorResponse") == [
                "type": "object", "properties": ["error": [:]], "required": ["error"], "additionalProperties": false,
            ]
        )
    }
}

@Suite struct TypeScriptRendererTests {
    let files: [String: String]

    init() {
        files = Dictionary(uniqueKeysWithValues: TypeScriptRenderer.render(RendererFixture.model).map { ($0.path, $0.contents) })
    }

    @Test func filesAndHeaders() {
        #expect(files.keys.sorted() == ["client.ts", "events.ts", "index.ts", "tsconfig.json", "types.ts"])
        for (path, contents) in files {
            #expect(contents.hasPrefix("// " + GeneratedHeader.text + "\n"), "\(path)")
        }
        #expect(files["tsconfig.json"]?.contains("\"strict\": true") == true)
        #expect(files["index.ts"]?.contains("export * from \"./types\";") == true)
    }

    @Test func types() throws {
        let types = try #require(files["types.ts"])
        #expect(types.contains("export type NoteStatus = \"draft\" | \"published\";"))
        #expect(types.contains("export interface Note {\n"))
        #expect(types.contains("  _id: string;"))
        #expect(types.contains("  body: string | null;"))
        #expect(types.contains("  status: NoteStatus;"))
        #expect(types.contains("  tags: string[];"))
        #expect(types.contains("  link?: string;"))
        #expect(types.contains("  kind: \"text\" | \"list\";"))
        #expect(types.contains("  owner: Owner | null;"))
        #expect(types.contains("  data?: unknown;"))
        #expect(types.contains("  /** ObjectId: 24 lowercase hexadecimal characters. */\n  _id: string;"))
        #expect(types.contains("A note. *\\/ still a comment"))
        // Defaulted properties are optional on the wire.
        #expect(types.contains("  /** @default \"draft\" */\n  status?: NoteStatus;"))
        #expect(types.contains("export interface ApiErrorBody {"))
    }

    @Test func client() throws {
        let client = try #require(files["client.ts"])
        #expect(client.contains("export class ApiError extends Error {"))
        #expect(client.contains("export class ParleyClient {"))
        #expect(client.contains("  readonly notes = {"))
        #expect(client.contains("    get: (id: string): Promise<NoteResponse> =>"))
        #expect(client.contains("path: `/api/notes/${encodeURIComponent(String(id))}`"))
        #expect(client.contains("    list: (\n      query?: {"))
        #expect(client.contains("      create: (body: NotesCreateBody): Promise<NoteResponse>") == false)
        #expect(client.contains("    create: (body: NotesCreateBody): Promise<NoteResponse> =>"))
        #expect(client.contains("    delete: (\n      id: string,\n      tag: string,\n      query?: {"))
        #expect(client.contains("    search: (\n      query: {"))
        #expect(client.contains("bearer: true, issuesToken: false"))
        // The refresh route: public, issues a token, and is the one the client calls on a 401.
        #expect(client.contains("method: \"POST\", path: `/api/auth/refresh`, bearer: false, issuesToken: true"))
        #expect(client.contains("this.#baseUrl + \"/api/auth/refresh\""))
        #expect(client.contains("credentials: \"include\""))
        // No group for an internal service.
        #expect(!client.contains("mailer"))
        #expect(client.contains("method: \"POST\", path: `/api/auth/logout`, bearer: false, issuesToken: false, clearsToken: true"))
        #expect(
            client.contains(
                "import type {\n  AuthRefreshResponse,\n  NoteResponse,\n  NoteStatus,\n  NotesCreateBody,\n  NotesListResponse,\n  SuccessResponse,\n} from \"./types\";"
            )
        )
    }

    @Test func clientWithoutRefreshRoute() throws {
        var model = RendererFixture.model
        model.services.removeAll { $0.name == "auth" }
        let client = try #require(TypeScriptRenderer.render(model).first { $0.path == "client.ts" }?.contents)
        #expect(!client.contains("#refresh"))
    }

    @Test func aliasesCollidingImports() throws {
        var model = RendererFixture.model
        model.types[model.types.firstIndex { $0.name == "NoteResponse" }!].name = "Response"
        for i in model.services.indices {
            for j in model.services[i].routes.indices where model.services[i].routes[j].response == "NoteResponse" {
                model.services[i].routes[j].response = "Response"
            }
        }
        let client = try #require(TypeScriptRenderer.render(model).first { $0.path == "client.ts" }?.contents)
        #expect(client.contains("Response as ResponseType"))
        #expect(client.contains("get: (id: string): Promise<ResponseType> =>"))
    }

    @Test func events() throws {
        let events = try #require(files["events.ts"])
        #expect(events.contains("export interface ClientToServerEvents {"))
        #expect(events.contains("  \"note:send\": (payload: SendNotePayload, ack: (res: SendNoteAck) => void) => void;"))
        #expect(events.contains("  \"typing:start\": (payload: TypingStartPayload) => void;"))
        #expect(events.contains("export interface ServerToClientEvents {\n  /** A note was created. */\n  \"note:new\": (payload: Note) => void;\n}"))
        #expect(events.contains("export const clientEventNames = [\n  \"note:send\",\n  \"typing:start\",\n] as const;"))
        #expect(events.contains("export const serverEventNames = [\n  \"note:new\",\n] as const;"))
    }
}

@Suite struct AsyncAPIRendererTests {
    let doc: JSONValue

    init() throws { doc = try parse(AsyncAPIRenderer.render(RendererFixture.model)) }

    @Test func serverAndSecurity() {
        #expect(doc.objectValue?.keys.first == "x-generated")
        #expect(at(doc, "asyncapi") == "3.0.0")
        #expect(at(doc, "servers", "gateway", "host") == "localhost:8080")
        #expect(at(doc, "servers", "gateway", "protocol") == "ws")
        #expect(at(doc, "servers", "gateway", "pathname") == "/socket.io/")
        #expect(at(doc, "servers", "gateway", "security", "0", "$ref") == "#/components/securitySchemes/bearer")
        #expect(at(doc, "components", "securitySchemes", "bearer", "scheme") == "bearer")
    }

    @Test func channelsAndOperations() {
        #expect(at(doc, "channels", "noteSend", "address") == "note:send")
        #expect(at(doc, "channels", "noteSend", "messages", "noteSendAck", "$ref") == "#/components/messages/noteSendAck")
        #expect(at(doc, "components", "messages", "noteSend", "payload", "$ref") == "#/components/schemas/SendNotePayload")
        #expect(at(doc, "components", "messages", "noteSendAck", "payload", "$ref") == "#/components/schemas/SendNoteAck")

        let send = at(doc, "operations", "receiveNoteSend")
        #expect(at(send, "action") == "receive")
        #expect(at(send, "channel", "$ref") == "#/channels/noteSend")
        #expect(at(send, "messages", "0", "$ref") == "#/channels/noteSend/messages/noteSend")
        #expect(at(send, "reply", "messages", "0", "$ref") == "#/channels/noteSend/messages/noteSendAck")

        #expect(at(doc, "operations", "receiveTypingStart", "reply") == nil)
        #expect(at(doc, "operations", "sendNoteNew", "action") == "send")
        #expect(at(doc, "components", "schemas", "Note", "properties", "owner", "oneOf") != nil)
        // Draft 07 ignores keywords beside `$ref`, so a described reference is wrapped.
        #expect(
            at(doc, "components", "schemas", "NotesCreateBody", "properties", "status")
                == ["allOf": [["$ref": "#/components/schemas/NoteStatus"]], "default": "draft"]
        )
    }
}

@Suite struct DocumentsTests {
    @Test func pathsAndDeterminism() {
        let first = Renderers.documents(RendererFixture.model)
        #expect(
            first.map(\.path) == [
                "typescript/types.ts", "typescript/client.ts", "typescript/events.ts", "typescript/index.ts",
                "typescript/tsconfig.json", "openapi.json", "asyncapi.json", "reference.html",
            ]
        )
        #expect(first == Renderers.documents(RendererFixture.model))
    }

    /// The rendered TypeScript compiles under `tsc --strict` and the OpenAPI document passes
    /// openapi-spec-validator, when those tools are installed. `PARLEY_RENDER_OUT` keeps the files for a look.
    @Test(.enabled(if: ExternalTool.find("tsc") != nil || ExternalTool.pythonModule("openapi_spec_validator")))
    func externalValidators() throws {
        let env = ProcessInfo.processInfo.environment
        let dir = URL(fileURLWithPath: env["PARLEY_RENDER_OUT"] ?? NSTemporaryDirectory() + "parley-render-\(UUID().uuidString)")
        for file in Renderers.documents(RendererFixture.model) {
            let url = dir.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
        defer { if env["PARLEY_RENDER_OUT"] == nil { try? FileManager.default.removeItem(at: dir) } }

        if let tsc = ExternalTool.find("tsc") {
            let result = try ExternalTool.run(tsc, ["--strict", "--noEmit", "-p", dir.appendingPathComponent("typescript").path])
            #expect(result.status == 0, "tsc: \(result.output)")
        }
        if ExternalTool.pythonModule("openapi_spec_validator") {
            let result = try ExternalTool.run(
                "/usr/bin/env",
                ["python3", "-m", "openapi_spec_validator", dir.appendingPathComponent("openapi.json").path]
            )
            #expect(result.status == 0, "openapi-spec-validator: \(result.output)")
        }
    }
}

/// The generated client, compiled by `tsc` and run by `node` against a fake `fetch`: refresh on 401 (shared by
/// concurrent calls), retry, `onAccessToken`, error parsing, query and path encoding.
@Test(.enabled(if: ExternalTool.find("tsc") != nil && ExternalTool.find("node") != nil))
func typeScriptClientBehaviour() throws {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory() + "parley-client-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var sources: [String] = []
    for file in TypeScriptRenderer.render(RendererFixture.model) where file.path.hasSuffix(".ts") {
        try file.contents.write(to: dir.appendingPathComponent(file.path), atomically: true, encoding: .utf8)
        sources.append(dir.appendingPathComponent(file.path).path)
    }
    let compile = try ExternalTool.run(
        ExternalTool.find("tsc")!,
        [
            "--strict", "--target", "ES2020", "--module", "commonjs", "--lib", "ES2020,DOM",
            "--outDir", dir.appendingPathComponent("out").path,
        ] + sources
    )
    try #require(compile.status == 0, "tsc: \(compile.output)")
    try clientScript.write(to: dir.appendingPathComponent("run.js"), atomically: true, encoding: .utf8)
    let run = try ExternalTool.run(ExternalTool.find("node")!, [dir.appendingPathComponent("run.js").path])
    #expect(run.status == 0 && run.output.contains("ALL OK"), "node: \(run.output)")
}

private let clientScript = #"""
    const { ParleyClient, ApiError } = require("./out/index.js");
    const assert = require("assert");
    if (typeof Response === "undefined") { console.log("ALL OK (no fetch API in this node)"); process.exit(0); }
    const json = (status, body) => new Response(body === undefined ? "" : JSON.stringify(body), { status });
    const unauthorized = (message) => json(401, { error: { statusCode: 401, code: "UNAUTHORIZED", message } });
    (async () => {
      // Concurrent 401s share one refresh, then each call is retried once with the new token.
      let calls = [];
      let valid = "t1";
      const fetch = async (url, init) => {
        calls.push({ method: init.method, url, auth: init.headers.Authorization, credentials: init.credentials,
                     body: init.body, contentType: init.headers["Content-Type"] });
        await new Promise((r) => setTimeout(r, 10));
        if (url.endsWith("/api/auth/refresh")) return valid ? json(200, { accessToken: valid }) : unauthorized("no session");
        if (url.endsWith("/api/auth/logout")) return json(200, { success: true });
        if (init.headers.Authorization !== "Bearer " + valid) return unauthorized("expired");
        return json(200, { notes: [], nextCursor: null, url });
      };
      const tokens = [];
      const client = new ParleyClient({ baseUrl: "http://h/", fetch, onAccessToken: (t) => tokens.push(t) });
      const [a, b] = await Promise.all([
        client.notes.list({ limit: 5, cursor: undefined, status: "draft" }),
        client.notes.get("a/b"),
      ]);
      assert.equal(a.url, "http://h/api/notes?limit=5&status=draft");
      assert.equal(b.url, "http://h/api/notes/a%2Fb");
      assert.equal(calls.filter((c) => c.url.endsWith("/refresh")).length, 1, "one shared refresh");
      assert.equal(calls.filter((c) => c.url.endsWith("/refresh"))[0].method, "POST");
      assert.deepEqual(tokens, ["t1"]);
      assert.ok(calls.every((c) => c.credentials === "include"));

      // A JSON body with the token.
      calls = [];
      await client.notes.create({ title: "x" });
      assert.equal(calls.length, 1);
      assert.equal(calls[0].auth, "Bearer t1");
      assert.equal(calls[0].body, '{"title":"x"}');
      assert.equal(calls[0].contentType, "application/json");

      // A failed refresh: onAccessToken(null), and the original 401 is thrown.
      valid = null;
      await assert.rejects(client.notes.get("x"),
        (e) => e instanceof ApiError && e instanceof Error && e.status === 401 && e.code === "UNAUTHORIZED" && e.message === "expired");
      assert.deepEqual(tokens, ["t1", null]);

      // A public route's 401 is not refreshed; validation details; a body not in the contract's shape.
      calls = [];
      const other = new ParleyClient({ fetch: async (url) => {
        calls.push(url);
        if (url.includes("search")) {
          return json(400, { error: { statusCode: 400, code: "VALIDATION_FAILED", message: "bad",
                                      details: [{ path: "query.q", message: "too short" }] } });
        }
        return new Response("<html>", { status: 502, statusText: "Bad Gateway" });
      } });
      await assert.rejects(other.notes.search({ q: "" }),
        (e) => e.code === "VALIDATION_FAILED" && e.status === 400 && e.details[0].path === "query.q");
      assert.deepEqual(calls, ["/api/notes/search?q="]);
      await assert.rejects(other.notes.get("x"), (e) => e.code === "INTERNAL" && e.status === 502 && e.details === undefined);

      // Without getAccessToken the client keeps the token it was handed; logout forgets it.
      const seen = [];
      const own = new ParleyClient({ fetch: async (url, init) => {
        seen.push(init.headers.Authorization);
        return url.endsWith("refresh") ? json(200, { accessToken: "zz" }) : json(200, { success: true });
      } });
      await own.auth.refresh();
      await own.notes.get("1");
      await own.auth.logout();
      await own.notes.search({ q: "a" });
      assert.deepEqual(seen, [undefined, "Bearer zz", "Bearer zz", undefined]);
      console.log("ALL OK");
    })().catch((e) => { console.error(e); process.exit(1); });
    """#

enum ExternalTool {
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func pythonModule(_ module: String) -> Bool {
        guard find("python3") != nil, let result = try? run("/usr/bin/env", ["python3", "-c", "import \(module)"]) else { return false }
        return result.status == 0
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
