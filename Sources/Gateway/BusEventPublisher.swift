public import Coordination
public import Logging
public import ParleyAPI
public import ServiceKit

/// Publishes service events on the bus, where every gateway instance's realtime layer picks them up:
/// `{"rooms": ["chat:<id>"], "excluding": "<userId>", "event": "message:new", "payload": {...}}` on `parley:events`.
/// A change of a chat's members puts its id on `parley:chats:changed`, which membership caches follow without hearing
/// every event.
public struct BusEventPublisher: EventPublisher {
    public static let channel = "parley:events"
    public static let chatsChanged = "parley:chats:changed"

    let bus: any EventBus
    let logger: Logger

    public init(bus: any EventBus, logger: Logger) {
        self.bus = bus
        self.logger = logger
    }

    public func publish(_ event: ServerEvent, to rooms: [Room], excluding excluded: ObjectId?) async {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("rooms")
        writer.beginArray()
        for room in rooms { writer.string(room.description) }
        writer.endArray()
        if let excluded {
            writer.key("excluding")
            writer.string(excluded.description)
        }
        writer.key("event")
        writer.string(event.name)
        writer.key("payload")
        event.encodePayload(to: &writer)
        writer.endObject()
        do {
            try await bus.publish(Self.channel, writer.bytes)
            ParleyMetrics.published(event.name)
        } catch {
            // The change is stored; a lost realtime copy is recovered when clients refetch.
            logger.warning("event not published", metadata: ["event": "\(event.name)", "error": "\(error)"])
        }
    }

    public func membersChanged(chatId: ObjectId) async {
        do {
            try await bus.publish(Self.chatsChanged, Array(chatId.description.utf8))
        } catch {
            // Caches drop the entry when it expires instead, within seconds.
            logger.warning("membership change not published", metadata: ["chat": "\(chatId)", "error": "\(error)"])
        }
    }
}
