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
    let logger: Logger

    func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for try await message in bus.subscribe([BusEventPublisher.channel]).cancelOnGracefulShutdown() {
                    relay(message.payload)
                    backoff = .milliseconds(100)
                }
            } catch {
                // The subscription broke (Redis restarted): what was published meanwhile is lost to live sockets, as
                // pub/sub is; clients catch up from REST when they reconnect.
                logger.warning("event bus subscription lost, resubscribing", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    func relay(_ bytes: [UInt8]) {
        guard let message = try? JSONParser.parse(bytes), let name = message["event"]?.stringValue, let payload = message["payload"],
            let rooms = message["rooms"]?.arrayValue?.compactMap(\.stringValue)
        else {
            logger.error("unreadable event on the bus", metadata: ["bytes": "\(bytes.count)"])
            return
        }
        if name == "chat:updated" { followMembership(payload, rooms: rooms) }
        let excluding = message["excluding"]?.stringValue.flatMap(ObjectId.init).map { Set([Room.user($0).description]) } ?? []
        namespace.emit(name, SocketArguments([payload]), to: Set(rooms), excluding: excluding)
    }

    /// A `chat:updated` goes to each member's own room with the chat's participants: the sockets of those rooms
    /// are in the chat's room exactly when their user is a participant.
    private func followMembership(_ chat: JSONValue, rooms: [String]) {
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
