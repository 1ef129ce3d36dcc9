import Logging
import ParleyAPI
import ServiceLifecycle
import Synchronization

/// `receipt:delivered`: a message that reached a recipient's socket is delivered to them. Deliveries are collected
/// here and sent to the messages service together every `interval`, which records them in one unit of work and tells
/// the senders.
final class DeliveryReceipts: Service, Sendable {
    private let messages: any MessagesInternalAPI
    private let interval: Duration
    private let logger: Logger
    private let pending = Mutex<Set<Delivery>>([])

    init(messages: any MessagesInternalAPI, interval: Duration = .milliseconds(100), logger: Logger) {
        self.messages = messages
        self.interval = interval
        self.logger = logger
    }

    /// Called for each recipient socket an event was queued for; the same user on several sockets counts once.
    func reached(_ messageId: ObjectId, _ userId: ObjectId) {
        _ = pending.withLock { $0.insert(Delivery(messageId: messageId, userId: userId)) }
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
            let context = APIContext(requestID: "deliveries-\(ObjectId())", logger: logger)
            _ = try await messages.delivered(.init(body: DeliveriesRequest(deliveries: Array(batch))), context: context)
        } catch {
            logger.warning("delivery receipts not recorded", metadata: ["error": "\(error)", "deliveries": "\(batch.count)"])
        }
    }
}
