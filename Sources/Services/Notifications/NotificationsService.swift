import ParleyAPI

/// The notifications service: Web Push subscriptions and delivery.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocols, a route added to the schema does not compile until it has a method here.
public struct NotificationsService: NotificationsAPI, NotificationsInternalAPI {
    public init() {}

    public func vapidPublicKey(_ input: Notifications.VapidPublicKey.Input, context: APIContext) async throws -> APIResponse<VapidPublicKeyResponse> {
        throw APIError.notImplemented("notifications.vapidPublicKey")
    }

    public func subscribe(_ input: Notifications.Subscribe.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("notifications.subscribe")
    }

    public func unsubscribe(_ input: Notifications.Unsubscribe.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("notifications.unsubscribe")
    }

    public func send(_ input: NotificationsInternal.Send.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("notificationsInternal.send")
    }
}
