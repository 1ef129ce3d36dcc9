import ParleyAPI

/// The messages service: message history, sending, edits, deletion, reactions and read receipts.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocol, a route added to the schema does not compile until it has a method here.
public struct MessagesService: MessagesAPI {
    public init() {}

    public func list(_ input: Messages.List.Input, context: APIContext) async throws -> APIResponse<MessagePage> {
        throw APIError.notImplemented("messages.list")
    }

    public func send(_ input: Messages.Send.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        throw APIError.notImplemented("messages.send")
    }

    public func edit(_ input: Messages.Edit.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        throw APIError.notImplemented("messages.edit")
    }

    public func delete(_ input: Messages.Delete.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("messages.delete")
    }

    public func react(_ input: Messages.React.Input, context: APIContext) async throws -> APIResponse<MessageResponse> {
        throw APIError.notImplemented("messages.react")
    }

    public func markRead(_ input: Messages.MarkRead.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("messages.markRead")
    }
}
