import Synchronization

/// Why an Engine.IO session ended.
public enum EngineCloseReason: String, Sendable {
    /// The client sent a close packet or closed its WebSocket.
    case clientClosed = "transport close"
    /// The server closed it (`EngineSession.close()`).
    case serverClosed = "server namespace disconnect"
    /// No pong within the ping timeout.
    case pingTimeout = "ping timeout"
    /// A packet that does not parse, one too large, or a request the protocol does not allow.
    case protocolError = "parse error"
    /// More packets waited for the client than the server keeps.
    case slowConsumer = "transport full"
    /// The server is stopping; the client may come back to another instance.
    case shuttingDown = "server shutting down"

    /// The connection is dropped without the closing handshake: a client that stopped reading, or answering
    /// pings, may never read it, and what is written to it may never leave.
    var isAbrupt: Bool { self == .slowConsumer || self == .pingTimeout || self == .protocolError }
}

/// One client's Engine.IO session: the packets waiting for it and the transport that carries them.
///
/// Sending never waits for the client: a packet goes into the session's bounded queue, and the transport takes
/// it from there (the WebSocket as the event loop gets to it, or the next polling GET). A client that stops reading fills the queue
/// and is closed.
public final class EngineSession: Sendable {
    public let id: String
    private let bufferLimit: Int
    private let state: Mutex<State>

    enum Transport: Sendable {
        case polling
        /// A WebSocket is probing to take over from polling; polling still carries the packets.
        case upgrading
        case websocket
    }

    struct State {
        var transport: Transport
        var queue: [EnginePacket] = []
        /// A polling GET waiting for packets.
        var reader: CheckedContinuation<[EnginePacket]?, Never>?
        var polling = false
        /// Told when packets are queued, for a transport that writes them as they come (the WebSocket).
        var whenQueued: (@Sendable () -> Void)?
        /// `whenQueued` was called and the transport has not taken the queue since.
        var announced = false
        var closeReason: EngineCloseReason?
        /// When the last ping went out with no pong yet.
        var pingSentAt: ContinuousClock.Instant?
        var lastPing: ContinuousClock.Instant
        /// Drops the WebSocket at once (`EngineServer.serve`): for a client that stopped reading or answering.
        var cutOff: (@Sendable () -> Void)?
    }

    init(id: String, transport: Transport, bufferLimit: Int, now: ContinuousClock.Instant) {
        self.id = id
        self.bufferLimit = max(1, bufferLimit)
        state = Mutex(State(transport: transport, lastPing: now))
    }

    /// Queues a message for the client; false once the session is closed.
    @discardableResult
    public func send(_ message: EngineMessage) -> Bool { send(.message(message)) }

    /// Ends the session: what is already queued is still delivered, then the transport closes.
    public func close() { close(.serverClosed) }

    public var isClosed: Bool { state.withLock { $0.closeReason != nil } }
    public var closeReason: EngineCloseReason? { state.withLock { $0.closeReason } }
    var transport: Transport { state.withLock { $0.transport } }

    @discardableResult
    func send(_ packet: EnginePacket) -> Bool {
        enum Outcome {
            case closed, queued
            case announce(@Sendable () -> Void)
            case handed(CheckedContinuation<[EnginePacket]?, Never>)
            case overflow
        }
        let outcome: Outcome = state.withLock { state in
            guard state.closeReason == nil else { return .closed }
            if let reader = state.reader {
                state.reader = nil
                return .handed(reader)
            }
            guard state.queue.count < bufferLimit else { return .overflow }
            state.queue.append(packet)
            return state.announce().map(Outcome.announce) ?? .queued
        }
        switch outcome {
        case .closed: return false
        case .queued: return true
        case .announce(let whenQueued):
            whenQueued()
            return true
        case .handed(let reader):
            reader.resume(returning: [packet])
            return true
        case .overflow:
            close(.slowConsumer)
            return false
        }
    }

    /// Everything queued, waiting for at least one packet; nil once the session is closed and its queue
    /// delivered. Empty when the waiting task is cancelled (a polling GET whose client went away).
    func take() async -> [EnginePacket]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[EnginePacket]?, Never>) in
                enum Now {
                    case batch([EnginePacket])
                    case end, wait
                }
                let now: Now = state.withLock { state in
                    if !state.queue.isEmpty {
                        defer { state.queue = [] }
                        return .batch(state.queue)
                    }
                    if state.closeReason != nil { return .end }
                    state.reader = continuation
                    return .wait
                }
                switch now {
                case .batch(let packets): continuation.resume(returning: packets)
                case .end: continuation.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.reader = nil }
                return state.reader
            }?.resume(returning: [EnginePacket]())
        }
    }

    /// For a transport that writes packets as they come: called (on any thread, once until the next `takeQueued`)
    /// when packets are queued or the session ends.
    func whenQueued(_ announce: @escaping @Sendable () -> Void) {
        state.withLock { $0.whenQueued = announce }
    }

    /// Everything queued, without waiting: empty when nothing is; nil once the session is closed and its queue
    /// delivered.
    func takeQueued() -> [EnginePacket]? {
        state.withLock { state in
            state.announced = false
            if !state.queue.isEmpty {
                defer { state.queue = [] }
                return state.queue
            }
            return state.closeReason == nil ? [] : nil
        }
    }

    /// Starts a polling GET; false when one is already waiting (the protocol allows one at a time) or the
    /// session has moved to WebSocket.
    func beginPoll() -> Bool {
        state.withLock { state in
            guard !state.polling, state.transport != .websocket else { return false }
            state.polling = true
            return true
        }
    }

    func endPoll() { state.withLock { $0.polling = false } }

    /// A WebSocket starts probing a polling session; false when the session is not on polling.
    func beginUpgrade() -> Bool {
        state.withLock { state in
            guard state.transport == .polling, state.closeReason == nil else { return false }
            state.transport = .upgrading
            return true
        }
    }

    /// The client sent `upgrade` on the WebSocket: from now on it carries everything.
    func completeUpgrade() {
        state.withLock { state in
            if state.transport == .upgrading { state.transport = .websocket }
        }
    }

    /// The probing WebSocket went away before the upgrade: polling goes on, and the WebSocket's callbacks go with
    /// it (they held its channel for as long as the session lived, and a later probe must be told of packets).
    func abandonUpgrade() {
        state.withLock { state in
            guard state.transport == .upgrading else { return }
            state.transport = .polling
            state.whenQueued = nil
            state.announced = false
            state.cutOff = nil
        }
    }

    func close(_ reason: EngineCloseReason) {
        let closed = state.withLock { state -> (CheckedContinuation<[EnginePacket]?, Never>?, (@Sendable () -> Void)?, (@Sendable () -> Void)?)? in
            guard state.closeReason == nil else { return nil }
            state.closeReason = reason
            defer { state.reader = nil }
            // A waiting reader has an empty queue: it is told the session ended; a writing transport delivers what is
            // queued, then closes.
            return (state.reader, reason.isAbrupt ? state.cutOff : nil, state.announce())
        }
        guard let (reader, cutOff, whenQueued) = closed else { return }
        reader?.resume(returning: nil)
        cutOff?()
        whenQueued?()
        abandonUpgrade()
    }

    /// How the WebSocket carrying the session is dropped when the session ends abruptly; at once if it already has.
    func whenCutOff(_ cutOff: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            state.cutOff = cutOff
            return state.closeReason?.isAbrupt ?? false
        }
        if now { cutOff() }
    }

    /// The heartbeat: pings when `interval` has passed, and closes when a ping went unanswered for `timeout`.
    func heartbeat(at now: ContinuousClock.Instant, interval: Duration, timeout: Duration) {
        enum Action { case none, ping, timeOut }
        let action: Action = state.withLock { state in
            if let sent = state.pingSentAt { return now - sent >= timeout ? .timeOut : .none }
            guard now - state.lastPing >= interval else { return .none }
            state.pingSentAt = now
            state.lastPing = now
            return .ping
        }
        switch action {
        case .none: break
        case .ping: send(.ping(""))
        case .timeOut: close(.pingTimeout)
        }
    }

    func receivedPong() { state.withLock { $0.pingSentAt = nil } }
}

extension EngineSession.State {
    /// The writing transport's callback, unless it has been told already and has not taken the queue since.
    mutating func announce() -> (@Sendable () -> Void)? {
        guard let whenQueued, !announced else { return nil }
        announced = true
        return whenQueued
    }
}
