import Coordination
import Logging
import ParleyAPI
import ServiceKit
import ServiceLifecycle
import SocketIO

/// Delivers what services publish on the bus (`BusEventPublisher`) to the sockets of this instance: each event to
/// the sockets in its rooms, once per socket however many of its rooms a socket is in. A chat's membership
/// changes reach the rooms first: the sockets of a user who was added to a chat join its room, those of one
/// who left or was removed leave it, before anything else of that chat is delivered.
struct EventRelay: Service {
    let bus: any EventBus
    let namespace: Namespace
    let deliveries: DeliveryReceipts
    let logger: Logger

    func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for try await message in bus.subscribe([BusEventPublisher.channel]).cancelOnGracefulShutdown() {
                    relay(message)
                    backoff = .milliseconds(100)
                }
            } catch {
                // The subscription broke (Redis restarted): what was published meanwhile is lost to live sockets, as
                // pub/sub is; clients catch up by recovery or from REST when they reconnect.
                logger.warning("event bus subscription lost, resubscribing", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    func relay(_ message: BusMessage) {
        // An instance with no sockets (a gateway nobody is connected to yet) has nobody to tell, and rooms are joined
        // afresh by a socket that connects later: reading the event would be wasted.
        guard namespace.socketCount > 0 else { return namespace.passed(offset: message.offset) }
        guard let event = Self.event(message, namespace: namespace.name) else {
            logger.error("unreadable event on the bus", metadata: ["bytes": "\(message.payload.count)"])
            return
        }
        if event.name == "chat:updated", let chat = event.arguments.values.first, let rooms = event.rooms { followMembership(chat, rooms: rooms) }
        let reached = namespace.emit(event.name, event.arguments, to: event.rooms, excluding: event.excluding, offset: event.offset)
        ParleyMetrics.delivered(event.name, sockets: reached.count)
        if event.name == "message:new", let message = event.arguments.values.first, let id = message["_id"]?.stringValue.flatMap(ObjectId.init),
            let sender = message["senderId"]?.stringValue.flatMap(ObjectId.init)
        {
            for user in Set(reached.compactMap { ($0.data as? Caller)?.userId }) where user != sender { deliveries.reached(id, user) }
        }
    }

    /// What a bus message says to emit (`BusEventPublisher`'s shape); nil when it does not read as one.
    static func event(_ message: BusMessage, namespace: String) -> SocketEventRecord? {
        guard let body = try? JSONParser.parse(message.payload), let name = body["event"]?.stringValue, let payload = body["payload"],
            let rooms = body["rooms"]?.arrayValue?.compactMap(\.stringValue)
        else { return nil }
        let excluding = body["excluding"]?.stringValue.flatMap(ObjectId.init).map { Set([Room.user($0).description]) } ?? []
        return SocketEventRecord(
            offset: message.offset,
            namespace: namespace,
            name: name,
            arguments: SocketArguments([payload]),
            rooms: Set(rooms),
            excluding: excluding
        )
    }

    /// A `chat:updated` goes to each member's own room with the chat's participants: the sockets of those rooms
    /// are in the chat's room exactly when their user is a participant.
    private func followMembership(_ chat: JSONValue, rooms: Set<String>) {
        guard let id = chat["_id"]?.stringValue.flatMap(ObjectId.init), let participants = chat["participants"]?.arrayValue else { return }
        let members = Set(participants.compactMap { $0.stringValue })
        let chatRoom = Room.chat(id).description
        for room in rooms where room.hasPrefix("user:") {
            let member = members.contains(String(room.dropFirst("user:".count)))
            for socket in namespace.sockets(in: [room]) {
                if member { socket.join(chatRoom) } else { socket.leave(chatRoom) }
            }
        }
    }
}
