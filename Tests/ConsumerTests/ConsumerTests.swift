import FixtureAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Carries generated-client requests through Hummingbird's test client: in process, or over a real socket.
struct TestClientTransport: APITransport {
    let client: any TestClientProtocol

    func send(_ request: APIClientRequest) async throws -> APIClientResponse {
        let response = try await client.executeRequest(
            uri: request.target,
            method: request.method,
            headers: request.headers,
            body: request.body.map { ByteBuffer(bytes: $0) }
        )
        return APIClientResponse(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
    }
}

func makeApplication() -> some ApplicationProtocol {
    let router = Router(context: BasicAPIRequestContext.self)
    router.add(middleware: APIErrorMiddleware(routes: Notes.routes))
    NotesService().registerRoutes(on: router, security: TestSecurity())
    return Application(router: router)
}

func context(as user: ObjectId?) -> APIContext {
    APIContext(requestID: "test", logger: Logger(label: "test"), authorization: user.map { "Bearer user-\($0)" })
}

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

            let created = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context(as: alice))
            #expect(created.status == .created)
            #expect(created.body.note.title == "Groceries")
            #expect(created.body.note.priority == 3, "the schema's default fills an absent field")
            #expect(created.body.note.tags == ["home", "food"])
            #expect(created.body.note.updatedAt == nil)

            let again = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context(as: alice))
            #expect(again.status == .ok, "the second success status the schema lists")
            #expect(again.body.note.id == created.body.note.id)

            let id = created.body.note.id
            let fetched = try await notes.get(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context(as: alice))
            #expect(fetched.body.note == created.body.note, "dates, ids and enums survive the trip")

            let listed = try await notes.list(.init(caller: Caller(userId: alice, email: ""), query: .init(limit: 1)), context: context(as: alice))
            #expect(listed.body.notes.map(\.id) == [id])
            #expect(listed.body.nextCursor == nil)

            let updated = try await notes.update(
                .init(caller: Caller(userId: alice, email: ""), path: .init(id: id), body: .init(title: "Food")),
                context: context(as: alice)
            )
            #expect(updated.body.note.title == "Food")
            #expect(updated.body.note.updatedAt != nil)

            await #expect(throws: APIError(.forbidden, message: "Only the owner may edit a note")) {
                _ = try await notes.update(
                    .init(caller: Caller(userId: bob, email: ""), path: .init(id: id), body: .init(title: "Mine")),
                    context: context(as: bob)
                )
            }

            _ = try await notes.delete(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context(as: alice))
            do {
                _ = try await notes.get(.init(caller: Caller(userId: alice, email: ""), path: .init(id: id)), context: context(as: alice))
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
                _ = try await notes.create(.init(caller: Caller(userId: alice, email: ""), body: body), context: context(as: alice))
                Issue.record("invalid body accepted")
            } catch let error as APIError {
                #expect(error.status == .badRequest)
                #expect(error.code == "VALIDATION_FAILED")
                #expect(Set(error.details?.map(\.path) ?? []) == ["body.title", "body.tags", "body.priority", "body.contact", "body.link"])
            }
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func authenticationIsCheckedBeforeTheHandler(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let notes = NotesClient(transport: TestClientTransport(client: client))
            do {
                _ = try await notes.list(.init(caller: Caller(userId: alice, email: "")), context: context(as: nil))
                Issue.record("listed without a token")
            } catch let error as APIError {
                #expect(error.status == .unauthorized)
                #expect(error.code == "UNAUTHORIZED")
            }
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func cookiesTravelBothWays(setup: TestingSetup) async throws {
        try await makeApplication().test(setup) { client in
            let notes = NotesClient(transport: TestClientTransport(client: client))
            let first = try await notes.session(.init(), context: context(as: nil))
            #expect(first.body.ok == false)
            #expect(first.setCookies.count == 1)
            #expect(first.setCookies.first?.hasPrefix("sessionToken=s1") == true)
            let second = try await notes.session(.init(cookies: .init(sessionToken: "s1")), context: context(as: nil))
            #expect(second.body.ok == true)
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
        let ack = try await Handler().handle(.noteTouch(NoteTouchPayload(noteId: alice)), caller: caller, context: context(as: alice))
        #expect(ack?.jsonString == #"{"ok":true}"#)
        let none = try await Handler().handle(.ping(PingPayload()), caller: caller, context: context(as: alice))
        #expect(none == nil)
    }
}
