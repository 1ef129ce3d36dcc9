import ParleyJSON
import Synchronization

/// A Socket.IO v5 server: the layer over Engine.IO that gives namespaces, events with acknowledgements, binary
/// attachments and rooms. No application logic: namespaces get a `NamespaceHandler`.
public final class SocketServer: EngineHandler {
    /// A client that opens Engine.IO but joins no namespace within this time is closed.
    public let connectTimeout: Duration
    /// Connection state recovery; none when nil.
    public let recovery: (any SocketRecovery)?
    private let namespaces = Mutex<[String: Namespace]>([:])
    private let clients = Mutex<[String: SocketClient]>([:])

    public init(connectTimeout: Duration = .seconds(45), recovery: (any SocketRecovery)? = nil) {
        self.connectTimeout = connectTimeout
        self.recovery = recovery
    }

    /// Declares a namespace (`"/"` is the default one) and what handles it.
    @discardableResult
    public func namespace(_ name: String, handler: any NamespaceHandler) -> Namespace {
        let namespace = Namespace(name: name, handler: handler, recovery: recovery)
        namespaces.withLock { $0[name] = namespace }
        return namespace
    }

    public func namespace(_ name: String) -> Namespace? { namespaces.withLock { $0[name] } }

    public func opened(_ session: EngineSession, request: EngineRequest) {
        let client = SocketClient(session: session, request: request, server: self)
        clients.withLock { $0[session.id] = client }
        client.startConnectTimer(connectTimeout)
    }

    public func received(_ message: EngineMessage, from session: EngineSession) {
        clients.withLock { $0[session.id] }?.received(message)
    }

    public func closed(_ session: EngineSession, reason: EngineCloseReason) {
        clients.withLock { $0.removeValue(forKey: session.id) }?.closed(reason: reason.rawValue)
    }

    public func isBusy(_ session: EngineSession) -> Bool {
        clients.withLock { $0[session.id] }?.isBusy ?? false
    }

    public func ready(for session: EngineSession) async {
        await clients.withLock { $0[session.id] }?.ready()
    }
}

/// One Engine.IO session seen from Socket.IO: its sockets (one per namespace), the binary packet being
/// reassembled, and a queue that runs its packets one after another, in the order they came.
final class SocketClient: Sendable {
    let session: EngineSession
    let request: EngineRequest
    private let server: SocketServer
    private let state = Mutex(State())

    struct State {
        var sockets: [String: Socket] = [:]
        /// A binary packet waiting for its attachments.
        var partial: (packet: SocketPacket, attachments: [[UInt8]])?
        var queue: [@Sendable () async -> Void] = []
        var draining = false
        /// Readers waiting for the queue to go below `highWater`.
        var readers: [CheckedContinuation<Void, Never>] = []
        var connectTimer: Task<Void, Never>?
        var closed = false
    }

    init(session: EngineSession, request: EngineRequest, server: SocketServer) {
        self.session = session
        self.request = request
        self.server = server
    }

    /// Packets a client may have waiting to be handled before its transport stops reading: enough to keep the
    /// queue busy, few enough that what waits is handled well within the ping timeout.
    static let highWater = 16

    /// Returns once fewer than `highWater` packets wait (at once, usually).
    var isBusy: Bool { state.withLock { $0.queue.count >= Self.highWater && !$0.closed } }

    func ready() async {
        guard state.withLock({ $0.queue.count >= Self.highWater && !$0.closed }) else { return }
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state in
                guard state.queue.count >= Self.highWater, !state.closed else { return false }
                state.readers.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    func startConnectTimer(_ timeout: Duration) {
        let timer = Task { [session] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { session.close() }
        }
        state.withLock { $0.connectTimer = timer }
    }

    /// Queues every message of `frames`; false when the session would not take them.
    @discardableResult
    func send(_ frames: SocketFrames) -> Bool {
        for message in frames.messages where !session.send(message) { return false }
        return true
    }

    func received(_ message: EngineMessage) {
        enum Next {
            case packet(SocketPacket, [[UInt8]])
            case wait, invalid
        }
        let next: Next = state.withLock { state in
            switch message {
            case .text(let text):
                guard state.partial == nil, let packet = try? SocketPacket(text: text) else { return .invalid }
                if packet.kind.isBinary, packet.attachments > 0 {
                    state.partial = (packet, [])
                    return .wait
                }
                return .packet(packet, [])
            case .binary(let bytes):
                guard var partial = state.partial else { return .invalid }
                partial.attachments.append(bytes)
                if partial.attachments.count < partial.packet.attachments {
                    state.partial = partial
                    return .wait
                }
                state.partial = nil
                return .packet(partial.packet, partial.attachments)
            }
        }
        switch next {
        case .wait: break
        case .invalid: session.close(.protocolError)
        case .packet(let packet, let attachments):
            guard SocketAttachments.areComplete(packet.payload, count: attachments.count) else { return session.close(.protocolError) }
            if packet.kind == .ack || packet.kind == .binaryAck {
                // At once, not behind the queue: the event handler ahead of it may be the one awaiting this answer.
                acknowledge(packet, attachments: attachments)
            } else {
                enqueue { await self.handle(packet, attachments: attachments) }
            }
        }
    }

    private func handle(_ packet: SocketPacket, attachments: [[UInt8]]) async {
        let socket = state.withLock { $0.sockets[packet.namespace] }
        switch packet.kind {
        case .connect:
            await connect(packet)
        case .disconnect:
            if let socket { await remove(socket, reason: "client namespace disconnect") }
        case .event, .binaryEvent:
            guard let socket, let event = packet.event else { return }
            let arguments = SocketArguments(event.arguments, attachments: attachments)
            let answer = await socket.namespace.handler.event(event.name, arguments, from: socket)
            guard let ackId = packet.ackId else { return }
            send(SocketFrames(.ack, namespace: packet.namespace, ackId: ackId, values: answer.values, attachments: answer.attachments))
        case .ack, .binaryAck:
            break  // answered on arrival (`received`), never queued
        case .connectError:
            // Only servers send it.
            session.close(.protocolError)
        }
    }

    private func connect(_ packet: SocketPacket) async {
        guard let namespace = server.namespace(packet.namespace) else {
            let refusal = SocketPacket(kind: .connectError, namespace: packet.namespace, payload: ["message": "Invalid namespace"])
            send(SocketFrames(packet: refusal))
            return
        }
        // A second CONNECT to a namespace this client is in changes nothing.
        guard state.withLock({ $0.sockets[packet.namespace] == nil && !$0.closed }) else { return }
        let auth = packet.payload
        let recovery = server.recovery
        let takesPart = recovery != nil && (auth?["recover"] == .bool(true) || auth?["pid"]?.stringValue != nil)
        let restored = takesPart ? await restore(namespace: namespace, auth: auth) : nil
        let socket = Socket(
            id: restored?.session.sid ?? EngineServer.newSessionID(),
            pid: takesPart ? restored?.session.pid ?? EngineServer.newSessionID() : nil,
            recovered: restored != nil,
            namespace: namespace,
            request: request,
            client: self
        )
        var missed: [SocketEventRecord] = []
        if let restored, let recovery {
            // In the rooms before the connect hook runs, holding what arrives, so that nothing emitted while the
            // log is read falls between the replay and the live events.
            namespace.added(socket)
            for room in restored.session.rooms { socket.join(room) }
            let caughtUp = await recovery.missed(
                namespace: namespace.name,
                after: restored.missed.last?.offset ?? restored.offset,
                rooms: restored.session.rooms
            )
            missed = restored.missed + (caughtUp ?? [])
        }
        do {
            try await namespace.handler.connect(socket, auth: auth)
        } catch {
            if restored != nil { namespace.removed(socket) }
            let refusal = error as? SocketConnectionRefused ?? SocketConnectionRefused("Connection refused")
            var payload = JSONObject(["message": .string(refusal.message)])
            if let data = refusal.data { payload["data"] = data }
            send(SocketFrames(packet: SocketPacket(kind: .connectError, namespace: packet.namespace, payload: .object(payload))))
            return
        }
        let timer = state.withLock { state -> Task<Void, Never>? in
            state.sockets[packet.namespace] = socket
            defer { state.connectTimer = nil }
            return state.connectTimer
        }
        timer?.cancel()
        if restored == nil { namespace.added(socket) }
        var answer = JSONObject(["sid": .string(socket.id)])
        if let pid = socket.pid { answer["pid"] = .string(pid) }
        send(SocketFrames(packet: SocketPacket(kind: .connect, namespace: packet.namespace, payload: .object(answer))))
        if restored != nil { socket.replay(missed) }
        await namespace.handler.connected(socket)
    }

    /// The session a client comes back to, with what it missed; nil when there is none to recover.
    private func restore(namespace: Namespace, auth: JSONValue?) async -> (session: SocketSession, offset: String, missed: [SocketEventRecord])? {
        guard let recovery = server.recovery, let pid = auth?["pid"]?.stringValue,
            let session = await recovery.claim(namespace: namespace.name, pid: pid),
            let offset = auth?["offset"]?.stringValue ?? session.offset,
            let missed = await recovery.missed(namespace: namespace.name, after: offset, rooms: session.rooms)
        else { return nil }
        return (session, offset, missed)
    }

    private func acknowledge(_ packet: SocketPacket, attachments: [[UInt8]]) {
        guard let socket = state.withLock({ $0.sockets[packet.namespace] }), let ackId = packet.ackId, case .array(let values)? = packet.payload
        else { return }
        socket.resolveAck(ackId, with: .success(SocketArguments(values, attachments: attachments)))
    }

    /// The server's side of leaving a namespace (`Socket.disconnect`).
    func disconnect(_ socket: Socket, reason: String) {
        enqueue { await self.remove(socket, reason: reason) }
    }

    private func remove(_ socket: Socket, reason: String) async {
        guard state.withLock({ $0.sockets.removeValue(forKey: socket.namespace.name) }) != nil else { return }
        let rooms = socket.rooms
        socket.namespace.removed(socket)
        if let recovery = server.recovery, let pid = socket.pid, Self.recoverableReasons.contains(reason) {
            await recovery.save(SocketSession(namespace: socket.namespace.name, pid: pid, sid: socket.id, rooms: rooms, offset: socket.connectOffset))
        }
        await socket.namespace.handler.disconnected(socket, reason: reason)
    }

    /// A socket that dropped for these may come back (`SocketRecovery`); one that left or was sent away may not.
    private static let recoverableReasons: Set<String> = [
        EngineCloseReason.clientClosed.rawValue, EngineCloseReason.pingTimeout.rawValue, EngineCloseReason.slowConsumer.rawValue,
        EngineCloseReason.shuttingDown.rawValue,
    ]

    /// The session ended: every socket is disconnected with the session's reason.
    func closed(reason: String) {
        let (timer, readers) = state.withLock { state in
            state.closed = true
            state.partial = nil
            // What the client sent and was not handled yet goes with it: none of it was acknowledged.
            state.queue = []
            defer { state.readers = [] }
            return (state.connectTimer, state.readers)
        }
        timer?.cancel()
        for reader in readers { reader.resume() }
        enqueue {
            for socket in self.state.withLock({ Array($0.sockets.values) }) { await self.remove(socket, reason: reason) }
        }
    }

    /// Runs `job` after the jobs before it. A task runs only while there is work: an idle client costs none.
    private func enqueue(_ job: @escaping @Sendable () async -> Void) {
        let start = state.withLock { state in
            state.queue.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        guard start else { return }
        Task {
            while let (next, readers) = self.state.withLock({ state -> ((@Sendable () async -> Void), [CheckedContinuation<Void, Never>])? in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return nil
                }
                let next = state.queue.removeFirst()
                guard state.queue.count < Self.highWater else { return (next, []) }
                defer { state.readers = [] }
                return (next, state.readers)
            }) {
                for reader in readers { reader.resume() }
                await next()
            }
        }
    }
}
