public import Foundation
public import ParleyAPI
public import ParleyStore

/// The notifications service: the VAPID key, the caller's push subscriptions, and delivery (internal).
public struct NotificationsService: NotificationsAPI, NotificationsInternalAPI {
    let store: any NotificationsStore
    let sender: WebPushSender
    let now: @Sendable () -> Date

    public init(store: any NotificationsStore, sender: WebPushSender, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.sender = sender
        self.now = now
    }

    public func vapidPublicKey(_ input: Notifications.VapidPublicKey.Input, context: APIContext) async throws -> APIResponse<VapidPublicKeyResponse> {
        APIResponse(VapidPublicKeyResponse(publicKey: sender.identity.keys.publicKey))
    }

    public func subscribe(_ input: Notifications.Subscribe.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let subscription = input.body.subscription
        guard WebPushEncryption.checkedKeys(p256dh: subscription.keys.p256dh, auth: subscription.keys.auth) != nil else {
            throw APIError.validation([
                ValidationIssue(path: "body.subscription.keys", message: "must be a P-256 public key (p256dh) and a 16-byte secret (auth), base64url")
            ])
        }
        try await store.pushSubscriptions.upsert(
            PushSubscriptionRecord(
                userId: input.caller.userId,
                endpoint: subscription.endpoint,
                p256dh: subscription.keys.p256dh,
                auth: subscription.keys.auth,
                userAgent: context.userAgent.map { String($0.prefix(512)) },
                createdAt: now()
            )
        )
        return APIResponse(SuccessResponse(success: true))
    }

    public func unsubscribe(_ input: Notifications.Unsubscribe.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        try await store.pushSubscriptions.delete(endpoint: input.body.endpoint, ownedBy: input.caller.userId)
        return APIResponse(SuccessResponse(success: true))
    }

    /// Every subscription of the user at once; answers when each has been delivered, forgotten or given up on.
    public func send(_ input: NotificationsInternal.Send.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let request = input.body
        let notification = WebPushSender.Notification(
            title: request.title,
            body: request.body,
            data: request.data,
            topic: request.data.chatId.map { "chat-\($0)" }
        )
        let subscriptions = try await store.pushSubscriptions.find(userId: request.userId)
        await withTaskGroup(of: Void.self) { group in
            for subscription in subscriptions {
                group.addTask {
                    let outcome = await sender.send(notification, to: subscription, logger: context.logger)
                    if case .failed(let why) = outcome {
                        context.logger.warning(
                            "push not delivered",
                            metadata: ["endpoint": "\(subscription.endpoint.prefix(64))", "error": "\(why)"]
                        )
                    }
                }
            }
        }
        return APIResponse(SuccessResponse(success: true))
    }
}
