import ParleyAPI

/// The users service: profiles, search, blocking and presence.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocol, a route added to the schema does not compile until it has a method here.
public struct UsersService: UsersAPI {
    public init() {}

    public func search(_ input: Users.Search.Input, context: APIContext) async throws -> APIResponse<UserSearchResponse> {
        throw APIError.notImplemented("users.search")
    }

    public func getById(_ input: Users.GetById.Input, context: APIContext) async throws -> APIResponse<UserResponse> {
        throw APIError.notImplemented("users.getById")
    }

    public func updateMe(_ input: Users.UpdateMe.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        throw APIError.notImplemented("users.updateMe")
    }

    public func block(_ input: Users.Block.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("users.block")
    }

    public func unblock(_ input: Users.Unblock.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("users.unblock")
    }

    public func presence(_ input: Users.Presence.Input, context: APIContext) async throws -> APIResponse<Presence> {
        throw APIError.notImplemented("users.presence")
    }
}
