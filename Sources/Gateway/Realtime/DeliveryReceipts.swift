import Logging
import ParleyAPI
import ParleyStore
import ServiceKit
import ServiceLifecycle
import Synchronization

/// `receipt:delivered`: a message that reached a recipient's socket is delivered to them. Deliveries are collected
/// and written together every `interval` (one unit of work for all of them, however many messages and sockets);
/// a message that reached every recipient becomes `delivered`, and each sender hears which of their messages reached
/// whom, once per batch.
final class DeliveryReceipts: Service, Sendable {
    private let store: any Store
    private let events: any EventPublisher
    private let interval: Duration
    private let logger: Logger
    private let pending = Mutex<Set<MessageDelivery>>([])

    init(store: any Store, events: any EventPublisher, interval: Duration = .milliseconds(100), logger: Logger) {
        self.store = store
        self.events = events
        self.interval = interval
        self.logger = logger
    }

    /// Called for each recipient socket an event was queued for; the same user on several sockets counts once.
    func reached(_ messageId: ObjectId, _ userId: ObjectId) {
        _ = pending.withLock { $0.insert(MessageDelivery(messageId: messageId, userId: userId)) }
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            await flush()
        }
        await flush()
    }

    func flush() async {
        let batch = pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            let changed = try await store.messages.markDelivered(Array(batch))
            var participants: [ObjectId: Set<ObjectId>] = [:]
            var fullyDelivered: [ObjectId] = []
            for message in changed where message.status == .sent {
                if participants[message.chatId] == nil {
                    participants[message.chatId] = Set(try await store.chats.find(id: message.chatId)?.participants ?? [])
                }
                let recipients = (participants[message.chatId] ?? []).subtracting([message.senderId])
                if recipients.isSubset(of: message.deliveredTo) { fullyDelivered.append(message.id) }
            }
            if !fullyDelivered.isEmpty { try await store.messages.setStatus(ids: fullyDelivered, .delivered) }

            // One receipt per chat, sender and recipient, naming the messages that reached that recipient.
            struct Key: Hashable {
                let chatId, senderId, userId: ObjectId
            }
            let byId = Dictionary(changed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var receipts: [Key: [ObjectId]] = [:]
            for delivery in batch {
                guard let message = byId[delivery.messageId], message.deliveredTo.contains(delivery.userId) else { continue }
                receipts[Key(chatId: message.chatId, senderId: message.senderId, userId: delivery.userId), default: []].append(message.id)
            }
            for (key, ids) in receipts {
                let receipt = ReceiptEvent(chatId: key.chatId, messageIds: ids.sorted { $0.description < $1.description }, userId: key.userId)
                await events.publish(.receiptDelivered(receipt), to: [.user(key.senderId)])
            }
        } catch {
            logger.warning("delivery receipts not recorded", metadata: ["error": "\(error)", "deliveries": "\(batch.count)"])
        }
    }
}
