public import ParleyAPI
public import ParleyStore

/// Told of every stored message, to notify the recipients who are not connected (Web Push). Returns at once:
/// notifying never delays a send or its ack.
public protocol MessageNotifier: Sendable {
    func messageStored(_ message: MessageRecord, in chat: ChatMembership)
}
