import ParleyAPI

/// The chats service: direct and group chats, membership, admin rules, pin and archive.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocol, a route added to the schema does not compile until it has a method here.
public struct ChatsService: ChatsAPI {
    public init() {}

    public func create(_ input: Chats.Create.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        throw APIError.notImplemented("chats.create")
    }

    public func list(_ input: Chats.List.Input, context: APIContext) async throws -> APIResponse<ChatListResponse> {
        throw APIError.notImplemented("chats.list")
    }

    public func get(_ input: Chats.Get.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        throw APIError.notImplemented("chats.get")
    }

    public func update(_ input: Chats.Update.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        throw APIError.notImplemented("chats.update")
    }

    public func addMember(_ input: Chats.AddMember.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        throw APIError.notImplemented("chats.addMember")
    }

    public func removeMember(_ input: Chats.RemoveMember.Input, context: APIContext) async throws -> APIResponse<ChatResponse> {
        throw APIError.notImplemented("chats.removeMember")
    }

    public func pin(_ input: Chats.Pin.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("chats.pin")
    }

    public func archive(_ input: Chats.Archive.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("chats.archive")
    }
}
