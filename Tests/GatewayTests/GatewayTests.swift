import AuthService
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ParleyAPI
import Testing

func gateway(readiness: @escaping ParleyServer.ReadinessCheck = {}) throws -> TestGateway { try TestGateway(readiness: readiness) }

let jsonOnly: HTTPFields = [.contentType: "application/json"]

/// The contract's error body, checked strictly: exactly these keys, the code matching the status.
struct ErrorBody {
    var statusCode: Int
    var code: String
    var message: String
    var details: [(path: String, message: String)]?

    init(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        let json = try JSONParser.parse(Array(response.body.readableBytesView))
        let error = try #require(json["error"]?.objectValue, sourceLocation: sourceLocation)
        #expect(json.objectValue?.keys == ["error"], sourceLocation: sourceLocation)
        #expect(Set(error.keys).isSubset(of: ["statusCode", "code", "message", "details"]), sourceLocation: sourceLocation)
        statusCode = try #require(error["statusCode"]?.intValue, sourceLocation: sourceLocation)
        code = try #require(error["code"]?.stringValue, sourceLocation: sourceLocation)
        message = try #require(error["message"]?.stringValue, sourceLocation: sourceLocation)
        details = error["details"]?.arrayValue?.map { ($0["path"]?.stringValue ?? "", $0["message"]?.stringValue ?? "") }
        #expect(statusCode == Int(response.status.code), sourceLocation: sourceLocation)
    }

    var paths: [String] { details?.map(\.path) ?? [] }
}

func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

@Suite struct GatewayTests {
    @Test(arguments: [TestingSetup.router, .live])
    func healthAndRequestID(setup: TestingSetup) async throws {
        try await gateway().raw(setup) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
        }
    }

    @Test func readinessReflectsTheBackingServices() async throws {
        struct Down: Error {}

        try await gateway().raw { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(String(buffer: response.body) == #"{"status":"ready"}"#)
        }
        try await gateway(readiness: { throw Down() }).raw { client in
            let error = try ErrorBody(try await client.execute(uri: "/readyz", method: .get))
            #expect((error.statusCode, error.code) == (503, "UNAVAILABLE"))
            #expect(!error.message.contains("Down"), "internals stay in the log")
        }
    }

    @Test func aHangingBackingServiceIsNotReadyWithinASecondAndChecksAreShared() async throws {
        let calls = Counter()
        // A MongoDB that is down takes its whole server-selection timeout to fail.
        try await gateway(readiness: {
            await calls.increment()
            try await Task.sleep(for: .seconds(10))
        }).raw { client in
            let started = ContinuousClock.now
            let error = try ErrorBody(try await client.execute(uri: "/readyz", method: .get))
            #expect((error.statusCode, error.code) == (503, "UNAVAILABLE"))
            // The probe gives up after one second; the check itself would hang ten. The margin is for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(8))
            // Under load the answer is reused, and the hanging check is never started twice.
            for _ in 0..<20 { _ = try await client.execute(uri: "/readyz", method: .get) }
            #expect(await calls.value == 1)
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func routerLevelErrorsHaveTheContractShape(setup: TestingSetup) async throws {
        try await gateway().raw(setup) { client in
            let missing = try ErrorBody(try await client.execute(uri: "/api/nothing", method: .get))
            #expect((missing.statusCode, missing.code) == (404, "NOT_FOUND"))

            let wrongMethod = try await client.execute(uri: "/api/auth/register", method: .put, headers: jsonOnly, body: body("{}"))
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(try ErrorBody(wrongMethod).code == "METHOD_NOT_ALLOWED")

            let malformed = try ErrorBody(
                try await client.execute(uri: "/api/auth/login", method: .post, headers: jsonOnly, body: body(#"{"email": "#))
            )
            #expect((malformed.statusCode, malformed.code) == (400, "VALIDATION_FAILED"))
            #expect(malformed.paths == ["body"])

            let big = ByteBuffer(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            let tooLarge = try ErrorBody(try await client.execute(uri: "/api/auth/login", method: .post, headers: jsonOnly, body: big))
            #expect((tooLarge.statusCode, tooLarge.code) == (413, "PAYLOAD_TOO_LARGE"))

            let notJSON = try ErrorBody(
                try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "text/plain"], body: body("{}"))
            )
            #expect(notJSON.code == "VALIDATION_FAILED")

            let unauthenticated = try ErrorBody(try await client.execute(uri: "/api/chats", method: .get))
            #expect((unauthenticated.statusCode, unauthenticated.code) == (401, "UNAUTHORIZED"))
        }
    }

    @Test func everyStringConstraintKindIsEnforced() async throws {
        try await gateway().raw(.router) { client in
            let response = try await client.execute(
                uri: "/api/auth/register",
                method: .post,
                headers: jsonOnly,
                body: body(
                    #"""
                    {"username": "No Spaces", "email": "not-an-email", "password": "short", "name": "\#(String(repeating: "n", count: 65))"}
                    """#
                )
            )
            let error = try ErrorBody(response)
            #expect(error.code == "VALIDATION_FAILED")
            #expect(Set(error.paths) == ["body.username", "body.email", "body.password", "body.name"])
            let messages = Dictionary(uniqueKeysWithValues: (error.details ?? []).map { ($0.path, $0.message) })
            #expect(messages["body.username"]?.contains("must match") == true)
            #expect(messages["body.email"] == "must be a valid email address")
            #expect(messages["body.password"] == "must be at least 8 characters")
            #expect(messages["body.name"] == "must be at most 64 characters")
        }
    }

    @Test func requiredUnknownAndWrongTypedFieldsAre400Not500() async throws {
        try await gateway().raw(.router) { client in
            let response = try await client.execute(
                uri: "/api/auth/login",
                method: .post,
                headers: jsonOnly,
                body: body(#"{"email": {"$gt": ""}, "admin": true}"#)
            )
            let error = try ErrorBody(response)
            #expect(response.status == .badRequest)
            #expect(Set(error.paths) == ["body.email", "body.password", "body.admin"])
            let messages = Dictionary(uniqueKeysWithValues: (error.details ?? []).map { ($0.path, $0.message) })
            #expect(messages["body.email"] == "must be a string, not object")
            #expect(messages["body.password"] == "is required")
            #expect(messages["body.admin"] == "is not a known field")

            let array = try ErrorBody(try await client.execute(uri: "/api/auth/login", method: .post, headers: jsonOnly, body: body("[]")))
            #expect(array.paths == ["body"])
            let empty = try ErrorBody(try await client.execute(uri: "/api/auth/login", method: .post, headers: jsonOnly))
            #expect(empty.paths == ["body"])
        }
    }

    @Test func enumArrayIdRangeAndURLConstraints() async throws {
        let gateway = try gateway()
        let authorized = try await gateway.authorizedHeaders()
        try await gateway.raw(.router) { client in
            let chat = try ErrorBody(
                try await client.execute(
                    uri: "/api/chats",
                    method: .post,
                    headers: authorized,
                    body: body(#"{"type": "channel", "participantIds": ["zz"]}"#)
                )
            )
            #expect(Set(chat.paths) == ["body.type", "body.participantIds[0]"])

            let noParticipants = try ErrorBody(
                try await client.execute(
                    uri: "/api/chats",
                    method: .post,
                    headers: authorized,
                    body: body(#"{"type": "group", "participantIds": []}"#)
                )
            )
            #expect(noParticipants.paths.contains("body.participantIds"))

            let page = try ErrorBody(try await client.execute(uri: "/api/messages/not-an-id?limit=500", method: .get, headers: authorized))
            #expect(Set(page.paths) == ["params.chatId", "query.limit"])

            let notInteger = try ErrorBody(try await client.execute(uri: "/api/messages/\(ObjectId())?limit=ten", method: .get, headers: authorized))
            #expect(notInteger.details?.first?.message == "must be an integer")

            let avatar = try ErrorBody(
                try await client.execute(
                    uri: "/api/users/me",
                    method: .patch,
                    headers: authorized,
                    body: body(#"{"avatarUrl": "javascript:alert(1)"}"#)
                )
            )
            #expect(avatar.paths == ["body.avatarUrl"])
        }
    }

    /// Each public route, called with valid path parameters and no body, gets an answer from its own handler
    /// or validation: never the router's 404 or 405, never a 500.
    @Test func everyPublicRouteIsRegistered() async throws {
        let gateway = try gateway()
        let authorized = try await gateway.authorizedHeaders()
        try await gateway.raw(.router) { client in
            for route in ServiceSet.publicRoutes {
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? ObjectId().description : String($0) }.joined(separator: "/")
                let response = try await client.execute(uri: "/" + path, method: route.method, headers: authorized)
                let code = response.status.code
                #expect(code != 405 && (code < 500 || code == 501), "\(route.method) \(route.path) answered \(code)")
                if code >= 400 {
                    let error = try ErrorBody(response)
                    #expect(!error.message.hasPrefix("No route"), "\(route.method) \(route.path) was not routed")
                }
            }
        }
    }

    @Test func internalRoutesAreNotRoutedByTheGateway() async throws {
        let gateway = try gateway()
        let authorized = try await gateway.authorizedHeaders()
        try await gateway.raw(.router) { client in
            let response = try await client.execute(uri: "/internal/notifications/send", method: .post, headers: authorized, body: body("{}"))
            #expect(response.status == .notFound)
        }
    }
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
