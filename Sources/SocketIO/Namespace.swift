public import ParleyJSON
import Synchronization

/// What an application does with a namespace's connections.
public protocol NamespaceHandler: Sendable {
    /// Accepts a client (return) or refuses it (throw `SocketConnectionRefused`); `auth` is what the client
    /// sent with CONNECT. The socket may join rooms here; it receives nothing before this returns.
    func connect(_ socket: Socket, auth: JSONValue?) async throws
    /// The client was told it is connected; what the socket emits now arrives after that answer.
    func connected(_ socket: Socket) async
    /// An event from the client. What it returns is the acknowledgement, sent when the client asked for one.
    func event(_ name: String, _ arguments: SocketArguments, from socket: Socket) async -> SocketArguments
    /// The socket is gone: the client left the namespace, its connection closed, or the server disconnected it.
    func disconnected(_ socket: Socket, reason: String) async
}

extension NamespaceHandler {
    public func connected(_ socket: Socket) async {}
}

/// A Socket.IO namespace: its connected sockets and their rooms.
public final class Namespace: Sendable {
    public let name: String
    let handler: any NamespaceHandler
    let recovery: (any SocketRecovery)?
    private let state = Mutex(State())

    struct State {
        var sockets: [String: Socket] = [:]
        var rooms: [String: Set<String>] = [:]
        var lastOffset: String?
    }

    init(name: String, handler: any NamespaceHandler, recovery: (any SocketRecovery)?) {
        self.name = name
        self.handler = handler
        self.recovery = recovery
    }

    /// The offset of the last event emitted with one.
    var lastOffset: String? { state.withLock { $0.lastOffset } }

    public var socketCount: Int { state.withLock { $0.sockets.count } }

    /// An event of the application's log that no socket here was in: one that connects later starts after it.
    public func passed(offset: String) { state.withLock { $0.lastOffset = offset } }

    public func socket(id: String) -> Socket? { state.withLock { $0.sockets[id] } }

    /// The sockets in any of `rooms` (every socket when `rooms` is nil), less those in any of `excluding`.
    public func sockets(in rooms: Set<String>? = nil, excluding: Set<String> = []) -> [Socket] {
        state.withLock { state in
            var ids: Set<String>
            if let rooms {
                ids = []
                for room in rooms { ids.formUnion(state.rooms[room] ?? []) }
            } else {
                ids = Set(state.sockets.keys)
            }
            for room in excluding { ids.subtract(state.rooms[room] ?? []) }
            return ids.compactMap { state.sockets[$0] }
        }
    }

    /// Sends an event to every socket in any of `rooms` (all when nil), except those in `excluding`; the packet
    /// is encoded once. Returns the sockets it was queued for.
    ///
    /// With recovery, `offset` is the event's place in a log the application keeps (an event bus's offset); without
    /// one, the recovery records the event itself. Sockets that take part in recovery get the offset as the last
    /// argument.
    @discardableResult
    public func emit(
        _ event: String,
        _ arguments: SocketArguments = [],
        to rooms: Set<String>? = nil,
        excluding: Set<String> = [],
        offset: String? = nil
    ) -> [Socket] {
        var offset = offset
        if offset == nil, let recovery {
            let record = SocketEventRecord(offset: "", namespace: name, name: event, arguments: arguments, rooms: rooms, excluding: excluding)
            offset = recovery.record(record)
        }
        if let offset { state.withLock { $0.lastOffset = offset } }
        let targets = sockets(in: rooms, excluding: excluding)
        let frames = Socket.Frames(
            plain: SocketFrames(event: event, arguments: arguments, namespace: name, ackId: nil),
            withOffset: offset.flatMap { offset in
                targets.contains { $0.pid != nil } ? SocketFrames(event: event, arguments: arguments, namespace: name, offset: offset) : nil
            }
        )
        return targets.filter { $0.deliver(frames, offset: offset) }
    }

    func added(_ socket: Socket) {
        state.withLock { $0.sockets[socket.id] = socket }
        // Every socket is in the room of its own id, as in Socket.IO: emitting to a socket id reaches it.
        socket.join(socket.id)
    }

    func removed(_ socket: Socket) {
        let rooms = socket.detach()
        state.withLock { state in
            state.sockets[socket.id] = nil
            for room in rooms { Self.drop(socket.id, from: room, in: &state) }
        }
    }

    func add(_ socket: Socket, to room: String) {
        state.withLock { _ = $0.rooms[room, default: []].insert(socket.id) }
    }

    func remove(_ socket: Socket, from room: String) {
        state.withLock { Self.drop(socket.id, from: room, in: &$0) }
    }

    private static func drop(_ id: String, from room: String, in state: inout State) {
        state.rooms[room]?.remove(id)
        if state.rooms[room]?.isEmpty == true { state.rooms[room] = nil }
    }
}
