import FixtureAPI
import Foundation

/// A hand-written service over the fixture schema's generated protocol, as a real service would be.
struct NotesService: NotesAPI {
    let store = NoteStore()

    func create(_ input: Notes.Create.Input, context: APIContext) async throws -> APIResponse<NoteResponse> {
        let (note, created) = await store.create(owner: input.caller.userId, body: input.body)
        return APIResponse(NoteResponse(note: note), status: created ? .created : .ok)
    }

    func list(_ input: Notes.List.Input, context: APIContext) async throws -> APIResponse<NotesListResponse> {
        let notes = await store.notes(of: input.caller.userId)
        return APIResponse(
            NotesListResponse(notes: Array(notes.prefix(input.query.limit)), nextCursor: notes.count > input.query.limit ? "more" : nil)
        )
    }

    func get(_ input: Notes.Get.Input, context: APIContext) async throws -> APIResponse<NoteResponse> {
        guard let note = await store.note(input.path.id), note.ownerId == input.caller.userId else { throw APIError.notFound("No such note") }
        return APIResponse(NoteResponse(note: note))
    }

    func update(_ input: Notes.Update.Input, context: APIContext) async throws -> APIResponse<NoteResponse> {
        guard let note = await store.note(input.path.id) else { throw APIError.notFound("No such note") }
        guard note.ownerId == input.caller.userId else { throw APIError.forbidden("Only the owner may edit a note") }
        let updated = await store.update(input.path.id, title: input.body.title)
        return APIResponse(NoteResponse(note: updated ?? note))
    }

    func delete(_ input: Notes.Delete.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        guard let note = await store.note(input.path.id), note.ownerId == input.caller.userId else { throw APIError.notFound("No such note") }
        await store.remove(input.path.id)
        return APIResponse(SuccessResponse(success: true))
    }

    func session(_ input: Notes.Session.Input, context: APIContext) async throws -> APIResponse<NotesSessionResponse> {
        let known = input.cookies.sessionToken == "s1"
        return APIResponse(NotesSessionResponse(ok: known), cookies: [.init(name: "sessionToken", value: "s1", path: "/api/notes", httpOnly: true)])
    }
}

actor NoteStore {
    private var notes: [ObjectId: Note] = [:]

    /// Creating a note whose title the owner already used returns that note: idempotent, answered 200.
    func create(owner: ObjectId, body: NotesCreateBody) -> (Note, created: Bool) {
        if let existing = notes.values.first(where: { $0.ownerId == owner && $0.title == body.title }) { return (existing, false) }
        let note = Note(
            id: ObjectId(),
            title: body.title,
            body: body.body,
            tags: body.tags ?? [],
            priority: body.priority,
            kind: body.kind,
            ownerId: owner,
            createdAt: Date(timeIntervalSince1970: 1_800_000_000.123),
            updatedAt: nil
        )
        notes[note.id] = note
        return (note, true)
    }

    func note(_ id: ObjectId) -> Note? { notes[id] }
    func notes(of owner: ObjectId) -> [Note] { notes.values.filter { $0.ownerId == owner }.sorted { $0.id < $1.id } }
    func remove(_ id: ObjectId) { notes[id] = nil }

    func update(_ id: ObjectId, title: String?) -> Note? {
        guard var note = notes[id] else { return nil }
        if let title { note.title = title }
        note.updatedAt = Date(timeIntervalSince1970: 1_800_000_100)
        notes[id] = note
        return note
    }
}

/// Bearer tokens of the form `user-<ObjectId>`.
struct TestSecurity: APISecurity {
    func authenticate(bearer token: String, context: APIContext) async throws -> Caller {
        guard token.hasPrefix("user-"), let id = ObjectId(token.dropFirst(5)) else { throw APIError.unauthorized("Invalid token") }
        return Caller(userId: id, email: "\(id)@example.com")
    }

    func verify(scheme: String, credential: String, context: APIContext) async throws { throw APIError.unauthorized() }
}
