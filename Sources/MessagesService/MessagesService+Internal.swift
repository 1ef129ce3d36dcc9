import Foundation
public import ParleyAPI
import ParleyStore
import ServiceKit

/// What the gateway's realtime layer asks of the messages service, which alone writes messages and their receipts.
extension MessagesService: MessagesInternalAPI {
    /// The gateway collects deliveries for a short while and sends them here together: one unit of work for all of
    /// them, however many messages and sockets.
    public func delivered(_ input: MessagesInternal.Delivered.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let batch = Set(input.body.deliveries.map { MessageDelivery(messageId: $0.messageId, userId: $0.userId) })
        let changed = try await store.messages.markDelivered(Array(batch))
        var chatsById: [ObjectId: ChatMembership?] = [:]
        var fullyDelivered: Set<ObjectId> = []
        for message in changed {
            if chatsById[message.chatId] == nil {
                chatsById[message.chatId] = try await chats.chatIfMember(message.chatId, message.senderId, context: context)
            }
            let recipients = Set(chatsById[message.chatId]??.participants ?? []).subtracting([message.senderId])
            if message.status == .sent, !recipients.isEmpty, recipients.isSubset(of: message.deliveredTo) { fullyDelivered.insert(message.id) }
        }
        if !fullyDelivered.isEmpty { try await store.messages.setStatus(ids: Array(fullyDelivered), .delivered) }

        // In a direct chat, one receipt per sender and recipient naming what reached them. In a group, one receipt per
        // message, when it has reached every member (its status), naming the member it reached last: one per member
        // would be a thousand events to the sender for a message to a group of a thousand.
        struct Key: Hashable {
            let chatId, senderId, userId: ObjectId
        }
        let byId = Dictionary(changed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var receipts: [Key: [ObjectId]] = [:]
        var announced: Set<ObjectId> = []
        for delivery in batch {
            guard let message = byId[delivery.messageId], message.deliveredTo.contains(delivery.userId) else { continue }
            if chatsById[message.chatId]??.type == .group {
                guard fullyDelivered.contains(message.id), announced.insert(message.id).inserted else { continue }
            }
            receipts[Key(chatId: message.chatId, senderId: message.senderId, userId: delivery.userId), default: []].append(message.id)
        }
        for (key, ids) in receipts {
            let receipt = ReceiptEvent(chatId: key.chatId, messageIds: ids.sorted { $0.description < $1.description }, userId: key.userId)
            await events.publish(.receiptDelivered(receipt), to: [.user(key.senderId)])
        }
        return APIResponse(SuccessResponse(success: true))
    }

    public func read(_ input: MessagesInternal.Read.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let body = input.body
        let chat = try await chats.chat(body.chatId, member: body.userId, context: context)
        try await ReadReceipts(store: store, chats: chats, events: events).markRead(body.messageIds, in: chat, by: body.userId, context: context)
        return APIResponse(SuccessResponse(success: true))
    }
}
