import ParleyJSON
import Synchronization

/// Connection state recovery, Socket.IO's `pid` and `offset`: a socket that dropped (its transport closed or
/// timed out, not one that left) comes back within the window with its id and rooms, and gets every event it
/// missed, in order, none twice.
///
/// A client takes part by sending `pid` in its CONNECT auth, or `recover: true` the first time; it is then told
/// its `pid` in the CONNECT answer, and every recorded event it is sent carries its offset as the last argument
/// (the clients that know recovery, such as socket.io-client, keep the last one and send it back as `offset`).
/// Clients that do not take part get no extra argument.
public protocol SocketRecovery: Sendable {
    /// Records an event the server emitted without an offset of its own; nil when such events are not kept.
    func record(_ event: SocketEventRecord) -> String?
    /// Keeps a dropped socket's session for the recovery window.
    func save(_ session: SocketSession) async
    /// Takes the session kept under `pid` in `namespace`: a second claim gets nil, as does one after the window.
    func claim(namespace: String, pid: String) async -> SocketSession?
    /// The events of `namespace` for `rooms` that came after `offset`, oldest first; nil when `offset` is no longer
    /// known (too old) or too much came after it.
    func missed(namespace: String, after offset: String, rooms: Set<String>) async -> [SocketEventRecord]?
}

/// What is kept of a dropped socket.
public struct SocketSession: Sendable, Hashable {
    public var namespace: String
    public var pid: String
    public var sid: String
    public var rooms: Set<String>
    /// Where the socket's events started: what to replay from when the client sends no offset of its own.
    public var offset: String?

    public init(namespace: String, pid: String, sid: String, rooms: Set<String>, offset: String?) {
        self.namespace = namespace
        self.pid = pid
        self.sid = sid
        self.rooms = rooms
        self.offset = offset
    }
}

/// An event as it was emitted to rooms, with its offset.
public struct SocketEventRecord: Sendable, Hashable {
    public var offset: String
    public var namespace: String
    public var name: String
    public var arguments: SocketArguments
    /// Nil for every socket of the namespace.
    public var rooms: Set<String>?
    public var excluding: Set<String>

    public init(offset: String, namespace: String, name: String, arguments: SocketArguments, rooms: Set<String>?, excluding: Set<String>) {
        self.offset = offset
        self.namespace = namespace
        self.name = name
        self.arguments = arguments
        self.rooms = rooms
        self.excluding = excluding
    }

    /// Whether a socket in `socketRooms` received it.
    public func reaches(_ socketRooms: Set<String>) -> Bool {
        if let rooms, rooms.isDisjoint(with: socketRooms) { return false }
        return excluding.isDisjoint(with: socketRooms)
    }
}

/// Recovery within one process: sessions and the events emitted in memory, for `window`.
public final class InMemorySocketRecovery: SocketRecovery {
    public let window: Duration
    /// Most events kept however recent, and most replayed to one socket.
    private let capacity: Int
    private let state = Mutex(State())

    struct State {
        var lastOffset = 0
        var events: [(record: SocketEventRecord, at: ContinuousClock.Instant)] = []
        var sessions: [String: (session: SocketSession, until: ContinuousClock.Instant)] = [:]
    }

    public init(window: Duration = .seconds(120), capacity: Int = 100_000) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    public func record(_ event: SocketEventRecord) -> String? {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.lastOffset += 1
            var event = event
            event.offset = String(state.lastOffset)
            let expired = state.events.firstIndex { now - $0.at < window } ?? state.events.count
            state.events.removeFirst(max(expired, state.events.count + 1 - capacity))
            state.events.append((event, now))
            return event.offset
        }
    }

    public func save(_ session: SocketSession) async {
        let now = ContinuousClock.now
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.until > now }
            state.sessions[Self.key(session.namespace, session.pid)] = (session, now + window)
        }
    }

    public func claim(namespace: String, pid: String) async -> SocketSession? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let kept = state.sessions.removeValue(forKey: Self.key(namespace, pid)), kept.until > now else { return nil }
            return kept.session
        }
    }

    public func missed(namespace: String, after offset: String, rooms: Set<String>) async -> [SocketEventRecord]? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let index = state.events.firstIndex(where: { $0.record.offset == offset && now - $0.at < window }),
                state.events.count - index <= capacity
            else { return nil }
            return state.events[(index + 1)...].lazy.map(\.record).filter { $0.namespace == namespace && $0.reaches(rooms) }
        }
    }

    private static func key(_ namespace: String, _ pid: String) -> String { namespace + "\u{0}" + pid }
}
