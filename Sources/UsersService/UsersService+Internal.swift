import Foundation
public import ParleyAPI
import ParleyStore

/// What other services ask of the users service, which alone reads profiles and blocks.
extension UsersService: UsersInternalAPI {
    public func relations(_ input: UsersInternal.Relations.Input, context: APIContext) async throws -> APIResponse<Relations> {
        let others = input.body.otherIds
        let relations = try await store.users.relations(of: input.body.userId, to: others)
        // In the order asked.
        return APIResponse(
            Relations(
                known: others.filter(relations.known.contains),
                blocking: others.filter(relations.blocking.contains),
                blockedBy: others.filter(relations.blockedBy.contains)
            )
        )
    }

    public func profiles(_ input: UsersInternal.Profiles.Input, context: APIContext) async throws -> APIResponse<UserSearchResponse> {
        APIResponse(UserSearchResponse(users: try await store.users.find(ids: input.body.ids).map(\.publicUser)))
    }

    public func create(_ input: UsersInternal.Create.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        let body = input.body
        let user = UserRecord(id: body.id, username: body.username, email: body.email, name: body.name, createdAt: body.createdAt)
        do {
            try await store.users.insert(user)
            return APIResponse(MeResponse(user: user.me))
        } catch StoreError.duplicate(let key) {
            // Created already, by this same registration tried again.
            if let existing = try await store.users.find(id: body.id) { return APIResponse(MeResponse(user: existing.me)) }
            throw APIError.conflict(key == "email" ? "Email is already registered" : "Username is already taken")
        }
    }

    public func account(_ input: UsersInternal.Account.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        guard let user = try await store.users.find(id: input.body.userId) else { throw APIError.notFound("No such user") }
        return APIResponse(MeResponse(user: user.me))
    }

    public func seen(_ input: UsersInternal.Seen.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await store.users.setLastSeen(id: input.body.userId, input.body.at)
        return APIResponse(SuccessResponse(success: true))
    }
}
