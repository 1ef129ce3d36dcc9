import ParleyAPI

/// A chats service that answers nothing: a test double conforms and implements only the calls its test makes.
protocol ChatsInternalStub: ChatsInternalAPI {}

extension ChatsInternalStub {
    func userChats(_ input: ChatsInternal.UserChats.Input, context: APIContext) async throws -> APIResponse<UserChats> {
        throw APIError.internal
    }
    func member(_ input: ChatsInternal.Member.Input, context: APIContext) async throws -> APIResponse<ChatMembership> {
        throw APIError.internal
    }
    func messagesStored(_ input: ChatsInternal.MessagesStored.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.internal
    }
    func messageEdited(_ input: ChatsInternal.MessageEdited.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.internal
    }
    func messageDeleted(_ input: ChatsInternal.MessageDeleted.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.internal
    }
    func read(_ input: ChatsInternal.Read.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.internal
    }
}
