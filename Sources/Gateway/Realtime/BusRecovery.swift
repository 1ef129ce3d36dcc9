import Coordination
import Logging
import ParleyJSON
import SocketIO

/// Connection state recovery on the event bus's log: a socket's offsets are the bus's, the same on every
/// instance, so a client that dropped comes back to any instance and gets what it missed from the log; its session
/// waits in the coordination's `SessionKeeper` (Redis when configured).
struct BusRecovery: SocketRecovery {
    let bus: any EventBus
    let sessions: any SessionKeeper
    var window: Duration = BusDefaults.retention
    /// Most events replayed to one socket: one further behind starts a new session.
    var limit = 10_000
    let logger: Logger

    /// Only the bus's events are replayed: what a socket is told directly (its rate-limit errors) is not kept.
    func record(_ event: SocketEventRecord) -> String? { nil }

    func save(_ session: SocketSession) async {
        var writer = JSONWriter()
        writer.value([
            "sid": .string(session.sid),
            "rooms": .array(session.rooms.sorted().map { .string($0) }),
            "offset": session.offset.map { .string($0) } ?? .null,
        ])
        do {
            try await sessions.keep(Self.key(session.namespace, session.pid), writer.bytes, for: window)
        } catch {
            logger.warning("socket session not kept for recovery", metadata: ["error": "\(error)"])
        }
    }

    func claim(namespace: String, pid: String) async -> SocketSession? {
        do {
            guard let bytes = try await sessions.take(Self.key(namespace, pid)), let kept = try? JSONParser.parse(bytes),
                let sid = kept["sid"]?.stringValue, let rooms = kept["rooms"]?.arrayValue
            else { return nil }
            return SocketSession(
                namespace: namespace,
                pid: pid,
                sid: sid,
                rooms: Set(rooms.compactMap(\.stringValue)),
                offset: kept["offset"]?.stringValue
            )
        } catch {
            logger.warning("socket session not recovered", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func missed(namespace: String, after offset: String, rooms: Set<String>) async -> [SocketEventRecord]? {
        do {
            guard let messages = try await bus.messages(BusEventPublisher.channel, after: offset, limit: limit) else { return nil }
            return messages.compactMap { EventRelay.event($0, namespace: namespace) }.filter { $0.reaches(rooms) }
        } catch {
            logger.warning("missed events not read", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private static func key(_ namespace: String, _ pid: String) -> String { "socket:\(namespace):\(pid)" }
}
