import FixtureAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Carries generated-client requests through Hummingbird's test client: in process, or over a real socket.
/// Presents `secret` as the internal secret, as the gateway's transport does.
struct TestClientTransport: APITransport {
    let client: any TestClientProtocol
    var secret = serviceSecret

    func send(_ request: APIClientRequest) async throws -> APIClientResponse {
        var headers = request.headers
        headers[ForwardedHeader.internalSecret] = secret
        let response = try await client.executeRequest(
            uri: request.target,
            method: request.method,
            headers: headers,
            body: request.body.map { ByteBuffer(bytes: $0) }
        )
        return APIClientResponse(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
    }
}

let serviceSecret = "consumer-tests-internal-secret"

/// The notes service as it runs in its own process: only callers with the internal secret, the caller forwarded.
func makeApplication() -> some ApplicationProtocol {
    let router = Router(context: BasicAPIRequestContext.self)
    router.add(middleware: APIErrorMiddleware(routes: Notes.routes))
    router.add(middleware: InternalCallerMiddleware(secret: serviceSecret))
    NotesService().registerRoutes(on: router, security: TestSecurity())
    return Application(router: router)
}

let context = APIContext(requestID: "test", logger: Logger(label: "test"))

let alice = ObjectId()
let bob = ObjectId()

@Suite struct ConsumerTests {
    @Test(arguments: [TestingSetup.router, .live])
    func roundTripThroughRouteTableAndClient(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let notes = NotesClient(transport: TestClientTransport(client: client))
            let body = NotesCreateBody(
                title: "Groceries",
                tags: ["home", "food"],
                kind: .todo,
                contact: "a@example.com",
                link: "https://example.com/x"
            )

            let created = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context)
            #expect(created.status == .created)
            #expect(created.body.note.title == "Groceries")
            #expect(created.body.note.priority == 3, "the schema's default fills an absent field")
            #expect(created.body.note.tags == ["home", "food"])
            #expect(created.body.note.updatedAt == nil)

            let again = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context)
            #expect(again.status == .ok, "the second success status the schema lists")
            #expect(again.body.note.id == created.body.note.id)

            let id = created.body.note.id
            let fetched = try await notes.get(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context)
            #expect(fetched.body.note == created.body.note, "dates, ids and enums survive the trip")

            let listed = try await notes.list(.init(caller: Caller(userId: alice, email: ""), query: .init(limit: 1)), context: context)
            #expect(listed.body.notes.map(\.id) == [id])
            #expect(listed.body.nextCursor == nil)

            let updated = try await notes.update(
                .init(caller: Caller(userId: alice, email: ""), path: .init(id: id), body: .init(title: "Food")),
                context: context
            )
            #expect(updated.body.note.title == "Food")
            #expect(updated.body.note.updatedAt != nil)

            await #expect(throws: APIError(.forbidden, message: "Only the owner may edit a note")) {
                _ = try await notes.update(
                    .init(caller: Caller(userId: bob, email: ""), path: .init(id: id), body: .init(title: "Mine")),
                    context: context
                )
            }

            _ = try await notes.delete(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context)
            do {
                _ = try await notes.get(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context)
                Issue.record("a deleted note was found")
            } catch let error as APIError {
                #expect(error.status == .notFound)
                #expect(error.code == "NOT_FOUND")
            }
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func serverValidationReachesTheClientAsTypedError(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let notes = NotesClient(transport: TestClientTransport(client: client))
            let body = NotesCreateBody(title: "", tags: ["a", "a"], priority: 9, kind: .text, contact: "nope", link: "http://insecure.example")
            do {
                _ = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context)
                Issue.record("invalid body accepted")
            } catch let error as APIError {
                #expect(error.status == .badRequest)
                #expect(error.code == "VALIDATION_FAILED")
                #expect(Set(error.details?.map(\.path) ?? []) == ["body.title", "body.tags", "body.priority", "body.contact", "body.link"])
            }
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func onlyCallersWithTheSecretAreServedAndBearerRoutesNeedTheForwardedCaller(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let stranger = NotesClient(transport: TestClientTransport(client: client, secret: "guessed"))
            await #expect(throws: APIError.unauthorized("Only Parley's own services may call this service")) {
                _ = try await stranger.list(.init(caller: Caller(userId: alice, email: "")), context: context)
            }
            // The secret, but no caller: a bearer route refuses before its handler runs.
            let response = try await client.executeRequest(
                uri: "/api/notes",
                method: .get,
                headers: [ForwardedHeader.internalSecret: serviceSecret],
                body: nil
            )
            #expect(response.status == .unauthorized)
            // The caller a transport forwards is the one the handler sees: alice's notes are not bob's.
            let notes = NotesClient(transport: TestClientTransport(client: client))
            _ = try await notes.create(
                .init(caller: Caller(userId: alice, email: ""), body: .init(title: "mine", tags: [], kind: .text)),
                context: context
            )
            let listed = try await notes.list(.init(caller: Caller(userId: bob, email: "")), context: context)
            #expect(listed.body.notes.isEmpty)
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func cookiesTravelBothWays(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let notes = NotesClient(transport: TestClientTransport(client: client))
            let first = try await notes.session(.init(), context: context)
            #expect(first.body.ok == false)
            #expect(first.setCookies.count == 1)
            #expect(first.setCookies.first?.hasPrefix("sessionToken=s1") == true)
            let second = try await notes.session(.init(cookies: .init(sessionToken: "s1")), context: context)
            #expect(second.body.ok == true)
        }
    }

    /// A gateway holding the service's client registers the same routes, validates the input, and passes the service's
    /// answers on as they came: statuses, bodies, cookies and errors.
    @Test func aGatewayPassesAServicesAnswersThrough() async throws {
        try await makeApplication().test(.live) { service in
            let gateway = Router(context: BasicAPIRequestContext.self)
            gateway.add(middleware: APIErrorMiddleware(routes: Notes.routes))
            NotesClient(transport: TestClientTransport(client: service)).registerRoutes(on: gateway, security: TestSecurity())
            try await Application(router: gateway).test(.router) { client in
                let json: HTTPFields = [.authorization: "Bearer user-\(alice)", .contentType: "application/json"]
                let created = try await client.executeRequest(
                    uri: "/api/notes",
                    method: .post,
                    headers: json,
                    body: ByteBuffer(string: #"{"title":"Through","kind":"text"}"#)
                )
                #expect(created.status == .created)
                let note = try NoteResponse.decode(jsonBytes: Array(created.body.readableBytesView)).note
                #expect(note.title == "Through" && note.ownerId == alice, "the caller the gateway authenticated reached the service")

                let invalid = try await client.executeRequest(
                    uri: "/api/notes",
                    method: .post,
                    headers: json,
                    body: ByteBuffer(string: #"{"kind":"text"}"#)
                )
                #expect(invalid.status == .badRequest, "the gateway validates before calling the service")

                let other = try await client.executeRequest(
                    uri: "/api/notes/\(note.id)",
                    method: .get,
                    headers: [.authorization: "Bearer user-\(bob)"],
                    body: nil
                )
                #expect(other.status == .notFound)
                #expect(String(buffer: other.body).contains(#""code":"NOT_FOUND""#), "the service's error, in the contract's shape")

                let session = try await client.executeRequest(uri: "/api/notes/session", method: .post, headers: [:], body: nil)
                #expect(session.headers[values: .setCookie].first?.hasPrefix("sessionToken=s1") == true)
            }
        }
    }

    @Test func socketEventsDecodeValidateAndEncode() throws {
        let id = ObjectId()
        let event = try ClientEvent.decode(name: "note:touch", payload: ["noteId": .string(id.description)])
        #expect(event == .noteTouch(NoteTouchPayload(noteId: id)))
        #expect(event.name == "note:touch")
        #expect(ClientEvent.expectsAck("note:touch"))
        #expect(!ClientEvent.expectsAck("ping"))

        #expect(
            throws: APIError.validation([ValidationIssue(path: "payload.noteId", message: "must be an id of 24 lowercase hexadecimal characters")])
        ) {
            try ClientEvent.decode(name: "note:touch", payload: ["noteId": "ABC"])
        }
        #expect(throws: APIError.self) { try ClientEvent.decode(name: "note:delete", payload: [:]) }

        let note = Note(
            id: id,
            title: "t",
            tags: [],
            priority: 1,
            kind: .text,
            ownerId: id,
            createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: nil
        )
        var writer = JSONWriter()
        ServerEvent.noteChanged(note).encodePayload(to: &writer)
        #expect(
            writer.string
                == #"{"_id":"\#(id)","title":"t","tags":[],"priority":1,"kind":"text","ownerId":"\#(id)","createdAt":"1970-01-01T00:00:00.000Z","updatedAt":null}"#
        )
    }

    @Test func clientEventHandlerDispatchesAndAcknowledges() async throws {
        struct Handler: ClientEventHandler {
            func noteTouch(_ payload: NoteTouchPayload, caller: Caller, context: APIContext) async throws -> NoteTouchAck { NoteTouchAck(ok: true) }
            func ping(_ payload: PingPayload, caller: Caller, context: APIContext) async throws {}
        }
        let caller = Caller(userId: alice, email: "")
        let ack = try await Handler().handle(.noteTouch(NoteTouchPayload(noteId: alice)), caller: caller, context: context)
        #expect(ack?.jsonString == #"{"ok":true}"#)
        let none = try await Handler().handle(.ping(PingPayload()), caller: caller, context: context)
        #expect(none == nil)
    }
}
