import Logging
import ParleyAPI
import ParleyStore
import ServiceKit
import ServiceLifecycle
import Synchronization

/// `receipt:delivered`: a message that reached a recipient's socket is delivered to them. Deliveries are collected
/// and written together every `interval` (one unit of work for all of them, however many messages and sockets);
/// a message that reached every recipient becomes `delivered`. The sender of a direct message hears when it reached
/// the other member; the sender of a group message hears once, when it reached them all.
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
            var chats: [ObjectId: ChatRecord] = [:]
            var fullyDelivered: Set<ObjectId> = []
            for message in changed {
                if chats[message.chatId] == nil { chats[message.chatId] = try await store.chats.find(id: message.chatId) }
                let recipients = Set(chats[message.chatId]?.participants ?? []).subtracting([message.senderId])
                if message.status == .sent, recipients.isSubset(of: message.deliveredTo) { fullyDelivered.insert(message.id) }
            }
            if !fullyDelivered.isEmpty { try await store.messages.setStatus(ids: Array(fullyDelivered), .delivered) }

            // In a direct chat, one receipt per sender and recipient naming what reached them. In a group, one receipt
            // per message, when it has reached every member (its status), naming the member it reached last: one
            // per member would be a thousand events to the sender for a message to a group of a thousand.
            struct Key: Hashable {
                let chatId, senderId, userId: ObjectId
            }
            let byId = Dictionary(changed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var receipts: [Key: [ObjectId]] = [:]
            var announced: Set<ObjectId> = []
            for delivery in batch {
                guard let message = byId[delivery.messageId], message.deliveredTo.contains(delivery.userId) else { continue }
                if chats[message.chatId]?.kind == .group {
                    guard fullyDelivered.contains(message.id), announced.insert(message.id).inserted else { continue }
                }
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
