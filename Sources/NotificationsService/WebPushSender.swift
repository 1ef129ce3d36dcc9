import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import Outbound
import ParleyAPI
public import ParleyStore

/// Delivers one notification to one subscription (RFC 8030): encrypted, VAPID-signed, retried when the push
/// service is busy (429, 5xx, no answer) honouring its `Retry-After`, and forgotten when the service says the
/// subscription is gone (404, 410).
public struct WebPushSender: Sendable {
    public struct Notification: Sendable {
        var title: String
        var body: String
        var data: NotificationData
        /// Replaces an undelivered notification with the same topic (one per chat) at the push service.
        var topic: String?
        var urgency = "high"
        /// Seconds the push service keeps it for an offline device.
        var ttl = 24 * 3600
    }

    public enum Outcome: Equatable, Sendable {
        case delivered
        case gone
        case failed(String)
    }

    /// Who the pushes come from: the VAPID keys, and a contact (`mailto:` or `https:`) for push services.
    public struct Identity: Sendable {
        public var keys: VAPIDKeys
        public var subject: String

        public init(keys: VAPIDKeys, subject: String) {
            self.keys = keys
            self.subject = subject
        }
    }

    let identity: Identity
    let client: OutboundClient
    let store: any NotificationsStore
    var attempts = 4
    var longestWait: Duration = .seconds(30)
    var firstBackoff: Duration = .milliseconds(500)

    public init(identity: Identity, client: OutboundClient, store: any NotificationsStore) {
        self.identity = identity
        self.client = client
        self.store = store
    }

    func send(_ notification: Notification, to subscription: PushSubscriptionRecord, logger: Logger) async -> Outcome {
        guard let endpoint = URL(string: subscription.endpoint), endpoint.scheme == "https",
            let keys = WebPushEncryption.checkedKeys(p256dh: subscription.p256dh, auth: subscription.auth)
        else { return await forget(subscription, logger: logger) }
        let body: [UInt8]
        do {
            body = try WebPushEncryption.encrypt(Self.payload(notification), p256dh: keys.p256dh, auth: keys.auth)
        } catch {
            return .failed("cannot encrypt: \(error)")
        }
        var wait = firstBackoff
        for attempt in 1...attempts {
            let answer: Result<OutboundClient.Response, any Error>
            do {
                var headers: HTTPHeaders = [
                    "Authorization": try identity.keys.authorization(endpoint: endpoint, subject: identity.subject, now: Date()),
                    "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream", "TTL": String(notification.ttl),
                    "Urgency": notification.urgency,
                ]
                if let topic = notification.topic { headers.add(name: "Topic", value: topic) }
                answer = .success(
                    try await client.send(
                        .POST,
                        to: endpoint,
                        headers: headers,
                        body: ByteBuffer(bytes: body),
                        timeout: .seconds(10),
                        maxBody: 64 * 1024
                    )
                )
            } catch {
                answer = .failure(error)
            }
            switch answer {
            case .success(let response) where (200..<300).contains(response.status):
                return .delivered
            case .success(let response) where response.status == 404 || response.status == 410:
                return await forget(subscription, logger: logger)
            case .success(let response) where response.status == 429 || response.status >= 500:
                if attempt < attempts {
                    let asked = response.headers.first(name: "retry-after").flatMap { Self.retryAfter($0, now: Date()) }
                    try? await Task.sleep(for: min(asked ?? wait, longestWait))
                }
            case .success(let response):
                return .failed("push service answered \(response.status)")
            case .failure(let error as OutboundClient.Failure) where error != .timedOut:
                return .failed("\(error)")
            case .failure:
                if attempt < attempts { try? await Task.sleep(for: min(wait, longestWait)) }
            }
            wait *= 2
        }
        return .failed("push service still unavailable after \(attempts) attempts")
    }

    private func forget(_ subscription: PushSubscriptionRecord, logger: Logger) async -> Outcome {
        do {
            try await store.pushSubscriptions.delete(endpoint: subscription.endpoint, ownedBy: nil)
        } catch {
            logger.warning("could not delete a gone push subscription", metadata: ["error": "\(error)"])
        }
        return .gone
    }

    /// The design seed's payload, `{title, body, icon, badge, data}`, its body shortened until the whole fits
    /// one push message.
    static func payload(_ notification: Notification) -> [UInt8] {
        var body = notification.body
        while true {
            var data = JSONObject()
            if let chat = notification.data.chatId { data["chatId"] = .string(chat.description) }
            if let message = notification.data.messageId { data["messageId"] = .string(message.description) }
            let json: JSONValue = [
                "title": .string(notification.title), "body": .string(body), "icon": "/icons/icon-192.png", "badge": "/icons/badge-72.png",
                "data": .object(data),
            ]
            let bytes = Array(json.serialized().utf8)
            if bytes.count <= WebPushEncryption.maxPayload || body.isEmpty { return bytes }
            body = String(body.prefix(body.count * 3 / 4)) + "…"
            if body == "…" { body = "" }
        }
    }

    /// Seconds, or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSince(now) * 1000)))
    }
}
