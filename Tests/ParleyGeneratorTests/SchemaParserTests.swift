import Foundation
import Testing

@testable import ParleyGenerator

/// Paths of the package, found from this file so that tests read the real schema and fixtures.
enum PackagePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schema = root.appendingPathComponent("schema")
    static let fixtureSchema = root.appendingPathComponent("Tests/Fixtures/schema")
    static let golden = root.appendingPathComponent("Tests/ParleyGeneratorTests/Golden")
}

/// A schema made of an entry file and one part, for error cases.
func schema(_ part: String, entry: String? = nil, extraFiles: [String: String] = [:]) -> SchemaSource {
    let defaultEntry = """
        {"info": {"title": "T", "version": "1"}, "security": {"bearer": {"type": "bearer"}}, "include": ["part.json"\(extraFiles.keys.sorted().map { ", \"\($0)\"" }.joined())]}
        """
    var files = extraFiles
    files["parley.json"] = entry ?? defaultEntry
    files["part.json"] = part
    return SchemaSource(displayRoot: "schema", files: files)
}

func diagnostics(_ source: SchemaSource) -> [Diagnostic] {
    do {
        _ = try SchemaParser.parse(source)
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite struct SchemaParserTests {
    @Test func realSchemaParsesWithoutDiagnostics() throws {
        let model = try SchemaParser.parse(SchemaSource.load(PackagePaths.schema))
        #expect(
            Set(model.services.map(\.name)) == [
                "users", "usersInternal", "auth", "chats", "chatsInternal", "messages", "messagesInternal", "media", "mediaInternal", "notifications",
                "notificationsInternal",
            ]
        )
        #expect(model.services.flatMap(\.routes).count == 49)
        #expect(model.clientEvents.map(\.name).contains("message:send"))
        #expect(model.serverEvents.map(\.name).contains("message:new"))
        let register = try #require(model.services.first { $0.name == "auth" }?.routes.first { $0.name == "register" })
        #expect(register.security == nil)
        #expect(register.statuses == [201])
    }

    @Test func fixtureSchemaParses() throws {
        let model = try SchemaParser.parse(SchemaSource.load(PackagePaths.fixtureSchema))
        let notes = try #require(model.services.first)
        #expect(notes.routes.map(\.name) == ["create", "list", "get", "update", "delete", "session"])
        #expect(notes.routes[0].body == "NotesCreateBody")
        #expect(model.type(named: "NotesCreateBody")?.isInline == true)
        #expect(notes.routes[0].statuses == [201, 200])
    }

    @Test func badJSONNamesFileAndPosition() {
        let found = diagnostics(schema("{\n  \"types\": {,}\n}"))
        #expect(found.count == 1)
        #expect(found.first?.file == "schema/part.json")
        #expect(found.first?.message.contains("line 2, column 13") == true)
    }

    @Test func unknownTypeIsReportedWithPathAndSuggestion() {
        let found = diagnostics(schema(#"{"types": {"User": {"properties": {"name": "strin", "friend": "Usr"}}}}"#))
        #expect(found.map(\.path) == ["$.types.User.properties.name", "$.types.User.properties.friend"])
        #expect(found.first?.message.contains("unknown type 'strin' (did you mean 'string'?)") == true)
        #expect(found.last?.message.contains("did you mean 'User'") == true)
    }

    @Test func danglingBodyReference() {
        let found = diagnostics(
            schema(
                #"""
                {"services": {"s": {"basePath": "/api/s", "routes": {
                  "make": {"method": "POST", "path": "/", "body": "Missing", "response": {"properties": {}}}}}}}
                """#
            )
        )
        #expect(found.map(\.path) == ["$.services.s.routes.make.body"])
        #expect(found.first?.message.contains("unknown type 'Missing'") == true)
    }

    @Test func duplicateRouteShapeIsReported() {
        let found = diagnostics(
            schema(
                #"""
                {"services": {"s": {"basePath": "/api/s", "routes": {
                  "a": {"method": "GET", "path": "/:id", "params": {"id": "objectId"}, "response": {"properties": {}}},
                  "b": {"method": "GET", "path": "/:other", "params": {"other": "objectId"}, "response": {"properties": {}}}}}}}
                """#
            )
        )
        #expect(found.count == 1)
        #expect(found.first?.path == "$.services.s.routes.b")
        #expect(found.first?.message.contains("duplicate route: GET /api/s/:other matches the same requests as s.a") == true)
    }

    @Test func duplicateTypeAcrossFiles() {
        let found = diagnostics(schema(#"{"types": {"A": {"enum": ["x"]}}}"#, extraFiles: ["other.json": #"{"types": {"A": {"enum": ["y"]}}}"#]))
        #expect(found.count == 1)
        #expect(found.first?.file == "schema/part.json" || found.first?.file == "schema/other.json")
        #expect(found.first?.message.contains("type 'A' is already declared at schema/") == true)
    }

    @Test func unknownKeyNamesTheAllowedOnes() {
        let found = diagnostics(schema(#"{"types": {"A": {"properties": {"n": {"type": "string", "minLenght": 3}}}}}"#))
        #expect(found.map(\.path) == ["$.types.A.properties.n.minLenght"])
        #expect(found.first?.message.contains("unknown key 'minLenght' for a field of type 'string'") == true)
    }

    @Test func unlistedFileIsNotSilentlyIgnored() {
        var source = schema(#"{"types": {}}"#)
        source.files["forgotten.json"] = "{}"
        source.presentFiles.append("forgotten.json")
        let found = diagnostics(source)
        #expect(found.map(\.file) == ["schema/forgotten.json"])
        #expect(found.first?.message.contains("not listed") == true)
    }

    @Test func missingIncludedFile() {
        let found = diagnostics(SchemaSource(files: ["parley.json": #"{"info": {"title": "T", "version": "1"}, "include": ["nope.json"]}"#]))
        #expect(found.map(\.path) == ["$.include[0]"])
        #expect(found.first?.message.contains("does not exist") == true)
    }

    @Test func pathParametersMustMatchThePath() {
        let found = diagnostics(
            schema(
                #"""
                {"services": {"s": {"basePath": "/api/s", "routes": {
                  "a": {"method": "GET", "path": "/:id", "params": {"other": "objectId"}, "response": {"properties": {}}}}}}}
                """#
            )
        )
        #expect(Set(found.map(\.path)) == ["$.services.s.routes.a.params", "$.services.s.routes.a.params.other"])
    }

    @Test func constraintMistakes() {
        let found = diagnostics(
            schema(
                #"""
                {"types": {"A": {"properties": {
                  "a": {"type": "string", "minLength": 5, "maxLength": 2},
                  "b": {"type": "string", "pattern": "(["},
                  "c": {"type": "integer", "minimum": "1"},
                  "d": {"type": "array"},
                  "e": {"type": "string", "enum": ["x"], "default": "y"}
                }}}}
                """#
            )
        )
        #expect(
            found.map(\.path) == [
                "$.types.A.properties.a", "$.types.A.properties.b.pattern", "$.types.A.properties.c.minimum",
                "$.types.A.properties.d", "$.types.A.properties.e.default",
            ]
        )
    }

    @Test func getRouteTakesNoBodyAndQueryMustBeScalar() {
        let found = diagnostics(
            schema(
                #"""
                {"types": {"T": {"properties": {}}},
                 "services": {"s": {"basePath": "/api/s", "routes": {
                  "a": {"method": "GET", "path": "/", "body": "T", "query": {"q": "T"}, "response": "T"}}}}}
                """#
            )
        )
        #expect(Set(found.map(\.path)) == ["$.services.s.routes.a.body", "$.services.s.routes.a.query.q"])
    }

    @Test func unknownSecuritySchemeAndMethod() {
        let found = diagnostics(
            schema(
                #"""
                {"services": {"s": {"basePath": "/api/s", "routes": {
                  "a": {"method": "FETCH", "path": "/", "auth": "magic", "response": {"properties": {}}}}}}}
                """#
            )
        )
        #expect(Set(found.map(\.path)) == ["$.services.s.routes.a.method", "$.services.s.routes.a.auth"])
    }

    @Test func serverEventsHaveNoAck() {
        let found = diagnostics(schema(#"{"events": {"serverToClient": {"x:y": {"payload": {"properties": {}}, "ack": {"properties": {}}}}}}"#))
        #expect(found.map(\.path) == ["$.events.serverToClient[\"x:y\"].ack"])
    }

    @Test func everyMistakeIsReportedNotJustTheFirst() {
        let found = diagnostics(schema(#"{"types": {"A": {"properties": {"a": "nope", "b": "neither"}}, "b": {"enum": []}}}"#))
        #expect(found.map(\.path) == ["$.types.b", "$.types.A.properties.a", "$.types.A.properties.b", "$.types.b.enum"])
    }
}
