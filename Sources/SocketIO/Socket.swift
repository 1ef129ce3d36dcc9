public import ParleyJSON
import Synchronization

/// Event arguments, and the binary attachments their placeholders name (`SocketAttachments`).
public struct SocketArguments: Sendable, Hashable, ExpressibleByArrayLiteral {
    public var values: [JSONValue]
    public var attachments: [[UInt8]]

    public init(_ values: [JSONValue], attachments: [[UInt8]] = []) {
        self.values = values
        self.attachments = attachments
    }

    public init(arrayLiteral elements: JSONValue...) { self.init(elements) }
}

/// Refuses a connection to a namespace: the client gets CONNECT_ERROR `{message, data}`.
public struct SocketConnectionRefused: Error, Sendable {
    public var message: String
    public var data: JSONValue?

    public init(_ message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }
}

/// The acknowledgement of an event the server emitted did not come in time.
public struct SocketAckTimeout: Error, Sendable {}

/// One client's connection to one namespace.
public final class Socket: Sendable {
    /// The id the client is told in its CONNECT answer.
    public let id: String
    /// The private id a client that takes part in connection state recovery comes back with (`SocketRecovery`).
    public let pid: String?
    /// This socket is a dropped one come back: same id, same rooms, its missed events replayed.
    public let recovered: Bool
    public let namespace: Namespace
    /// The request that opened the connection (its query, headers and address).
    public let request: EngineRequest
    let client: SocketClient
    /// The namespace's last offset when the socket connected: where its events start.
    let connectOffset: String?
    private let state: Mutex<State>

    struct State {
        var rooms: Set<String> = []
        var data: (any Sendable)?
        var nextAckId = 0
        var pendingAcks: [Int: CheckedContinuation<SocketArguments, any Error>] = [:]
        var connected = true
        /// While a recovered socket catches up, what is emitted to it waits here.
        var held: [(frames: Frames, offset: String?)]?
        /// The offsets just replayed: the same events arriving live are not sent twice.
        var replayed: Set<String> = []
    }

    /// A packet with and without its offset; the one a socket gets depends on whether it takes part in recovery.
    struct Frames: Sendable {
        let plain: SocketFrames
        let withOffset: SocketFrames?
    }

    init(id: String, pid: String?, recovered: Bool, namespace: Namespace, request: EngineRequest, client: SocketClient) {
        self.id = id
        self.pid = pid
        self.recovered = recovered
        self.namespace = namespace
        self.request = request
        self.client = client
        connectOffset = namespace.lastOffset
        state = Mutex(State(held: recovered ? [] : nil))
    }

    /// What the application keeps with the connection (who the user is, say).
    public var data: (any Sendable)? {
        get { state.withLock { $0.data } }
        set { state.withLock { $0.data = newValue } }
    }

    public var rooms: Set<String> { state.withLock { $0.rooms } }
    public var isConnected: Bool { state.withLock { $0.connected } }

    public func join(_ room: String) {
        guard state.withLock({ $0.connected && $0.rooms.insert(room).inserted }) else { return }
        namespace.add(self, to: room)
    }

    public func leave(_ room: String) {
        guard state.withLock({ $0.rooms.remove(room) != nil }) else { return }
        namespace.remove(self, from: room)
    }

    /// Sends an event to this client; false when it could not be queued (the client is gone or not reading). With
    /// recovery, the event is recorded like a broadcast to the socket's own room, so that it is replayed if missed.
    @discardableResult
    public func emit(_ event: String, _ arguments: SocketArguments = []) -> Bool {
        guard pid != nil else { return client.send(SocketFrames(event: event, arguments: arguments, namespace: namespace.name, ackId: nil)) }
        return !namespace.emit(event, arguments, to: [id]).isEmpty
    }

    /// Sends what a namespace emitted, or holds it while the socket catches up.
    func deliver(_ frames: Frames, offset: String?) -> Bool {
        enum Next { case send, skip, hold }
        let next: Next = state.withLock { state in
            if state.held != nil {
                state.held?.append((frames, offset))
                return .hold
            }
            guard let offset, !state.replayed.isEmpty else { return .send }
            if state.replayed.contains(offset) { return .skip }
            // Live events come in the log's order: once one was not replayed, none after it was.
            state.replayed = []
            return .send
        }
        switch next {
        case .send: return client.send(pid == nil ? frames.plain : frames.withOffset ?? frames.plain)
        case .skip, .hold: return true
        }
    }

    /// Sends the missed events in order, then what was held meanwhile, less what the replay already sent.
    func replay(_ missed: [SocketEventRecord]) {
        let replayed = Set(missed.map(\.offset))
        for event in missed {
            _ = client.send(SocketFrames(event: event.name, arguments: event.arguments, namespace: namespace.name, offset: event.offset))
        }
        while let held = state.withLock({ state -> [(frames: Frames, offset: String?)]? in
            guard let held = state.held, !held.isEmpty else {
                state.held = nil
                state.replayed = replayed
                return nil
            }
            state.held = []
            return held
        }) {
            for (frames, offset) in held where offset.map({ !replayed.contains($0) }) ?? true {
                _ = client.send(frames.withOffset ?? frames.plain)
            }
        }
    }

    /// Sends an event and waits for the client's acknowledgement.
    public func emitWithAck(_ event: String, _ arguments: SocketArguments = [], timeout: Duration) async throws -> SocketArguments {
        let id = state.withLock { state in
            defer { state.nextAckId += 1 }
            return state.nextAckId
        }
        return try await withThrowingTaskGroup(of: SocketArguments.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let connected = self.state.withLock { state in
                        if state.connected { state.pendingAcks[id] = continuation }
                        return state.connected
                    }
                    if !connected || !self.client.send(SocketFrames(event: event, arguments: arguments, namespace: self.namespace.name, ackId: id)) {
                        self.resolveAck(id, with: .failure(SocketAckTimeout()))
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resolveAck(id, with: .failure(SocketAckTimeout()))
                throw SocketAckTimeout()
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() else { throw SocketAckTimeout() }
            return answer
        }
    }

    /// Disconnects from the namespace (the client is told); `closeConnection` also ends the underlying session.
    public func disconnect(closeConnection: Bool = false) {
        client.send(SocketFrames(packet: SocketPacket(kind: .disconnect, namespace: namespace.name)))
        client.disconnect(self, reason: "server namespace disconnect")
        if closeConnection { client.session.close() }
    }

    func resolveAck(_ id: Int, with result: Result<SocketArguments, any Error>) {
        state.withLock { $0.pendingAcks.removeValue(forKey: id) }?.resume(with: result)
    }

    /// Leaves every room and fails the acknowledgements still awaited; the rooms it was in.
    func detach() -> Set<String> {
        let (rooms, acks) = state.withLock { state in
            state.connected = false
            defer {
                state.rooms = []
                state.pendingAcks = [:]
            }
            return (state.rooms, Array(state.pendingAcks.values))
        }
        for ack in acks { ack.resume(throwing: SocketAckTimeout()) }
        return rooms
    }
}

/// A Socket.IO packet as Engine.IO messages: the packet's text, then its attachments. Encoded once, however
/// many sockets a broadcast reaches.
struct SocketFrames: Sendable {
    let messages: [EngineMessage]

    init(packet: SocketPacket, attachments: [[UInt8]] = []) {
        messages = [.text(packet.text)] + attachments.map { .binary($0) }
    }

    init(event: String, arguments: SocketArguments, namespace: String, ackId: Int?) {
        self.init(.event, namespace: namespace, ackId: ackId, values: [.string(event)] + arguments.values, attachments: arguments.attachments)
    }

    /// An event with its recovery offset as the last argument.
    init(event: String, arguments: SocketArguments, namespace: String, offset: String) {
        let values = [.string(event)] + arguments.values + [.string(offset)]
        self.init(.event, namespace: namespace, ackId: nil, values: values, attachments: arguments.attachments)
    }

    /// An event or an ack; its binary kind when there are attachments.
    init(_ kind: SocketPacket.Kind, namespace: String, ackId: Int?, values: [JSONValue], attachments: [[UInt8]]) {
        let binary = attachments.isEmpty ? kind : (kind == .ack ? .binaryAck : .binaryEvent)
        let packet = SocketPacket(kind: binary, namespace: namespace, ackId: ackId, payload: .array(values), attachments: attachments.count)
        self.init(packet: packet, attachments: attachments)
    }
}
