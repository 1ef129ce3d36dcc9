public import Coordination
import Foundation
public import Logging
public import ParleyAPI
public import ParleyStore
public import ServiceKit
public import ServiceLifecycle

/// Pushes each new message to its recipients who have no open socket on any instance, except those who
/// blocked the sender, at most once per chat per recipient every few seconds (the push's `Topic` makes the
/// push service keep only the newest). Sends only queue here; a background task does the rest.
public final class PushOnNewMessage: MessageNotifier, Service {
    /// After a push for a chat, a recipient gets no other for that chat this long.
    static let quietPeriod: Duration = .seconds(5)
    static let concurrentMessages = 32

    private let queue: AsyncStream<(MessageRecord, ChatMembership)>
    private let input: AsyncStream<(MessageRecord, ChatMembership)>.Continuation
    let users: any UsersInternalAPI
    let presence: any PresenceTracker
    let cache: any SharedCache
    let notifications: any NotificationsInternalAPI
    let logger: Logger

    public init(
        users: any UsersInternalAPI,
        presence: any PresenceTracker,
        cache: any SharedCache,
        notifications: any NotificationsInternalAPI,
        logger: Logger
    ) {
        // A burst beyond this while push services are slow loses the oldest pushes, never a message.
        (queue, input) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        self.users = users
        self.presence = presence
        self.cache = cache
        self.notifications = notifications
        self.logger = logger
    }

    public func messageStored(_ message: MessageRecord, in chat: ChatMembership) {
        input.yield((message, chat))
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await (message, chat) in queue.cancelOnGracefulShutdown() {
                if running == Self.concurrentMessages {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.notify(message, in: chat) }
                running += 1
            }
        }
    }

    func notify(_ message: MessageRecord, in chat: ChatMembership) async {
        let context = APIContext(requestID: "push-\(message.id)", logger: logger)
        // Who is due a push at all (offline, and not pushed for this chat within the quiet period) comes first: in a
        // busy chat that is nobody, and the users service is not asked.
        let due = await withTaskGroup(of: ObjectId?.self) { group in
            for recipient in chat.participants where recipient != message.senderId {
                group.addTask {
                    do {
                        if try await self.presence.presence(of: recipient)?.online == true { return nil }
                        return try await self.cache.claim("push:\(recipient):\(chat.id)", for: Self.quietPeriod) ? recipient : nil
                    } catch {
                        self.logger.warning("could not push a new message", metadata: ["messageId": "\(message.id)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            return await group.reduce(into: [ObjectId]()) { due, recipient in if let recipient { due.append(recipient) } }
        }
        guard !due.isEmpty else { return }
        let sender: User
        let blockers: Set<ObjectId>
        do {
            let profiles = try await users.profiles(.init(body: ProfilesRequest(ids: [message.senderId])), context: context)
            guard let found = profiles.body.users.first else { return }
            sender = found
            blockers = Set(try await users.relations(of: message.senderId, to: due, context: context).blockedBy)
        } catch {
            logger.warning("could not push a new message", metadata: ["messageId": "\(message.id)", "error": "\(error)"])
            return
        }
        let (title, body) = Self.text(of: message, from: sender.name, in: chat)
        // Each recipient on its own: a slow push service for one does not hold back the others of a group.
        await withTaskGroup(of: Void.self) { group in
            for recipient in due where !blockers.contains(recipient) {
                group.addTask {
                    do {
                        let request = SendNotificationRequest(
                            userId: recipient,
                            title: title,
                            body: body,
                            data: NotificationData(chatId: chat.id, messageId: message.id)
                        )
                        _ = try await self.notifications.send(.init(body: request), context: context)
                    } catch {
                        self.logger.warning("could not push a new message", metadata: ["messageId": "\(message.id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    /// A direct message shows its sender as the title; a group message the group, with the sender before the text.
    static func text(of message: MessageRecord, from sender: String, in chat: ChatMembership) -> (title: String, body: String) {
        var text = String(message.body.prefix(1000))
        if text.isEmpty, let media = message.media {
            text = media.kind == .image ? "📷 Photo" : media.kind == .audio ? "🎤 Audio" : "📄 Document"
        }
        if chat.type == .group { return (String((chat.title ?? "Group").prefix(200)), "\(sender): \(text)") }
        return (String(sender.prefix(200)), text)
    }
}
