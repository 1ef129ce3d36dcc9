import Synchronization

/// Why an Engine.IO session ended.
public enum EngineCloseReason: String, Sendable {
    /// The client sent a close packet or closed its WebSocket.
    case clientClosed = "transport close"
    /// The server closed it (`EngineSession.close()`).
    case serverClosed = "server namespace disconnect"
    /// No pong within the ping timeout.
    case pingTimeout = "ping timeout"
    /// A packet that does not parse, or one too large.
    case protocolError = "parse error"
    /// More packets waited for the client than the server keeps.
    case slowConsumer = "transport full"
}

/// One client's Engine.IO session: the packets waiting for it and the transport that carries them.
///
/// Sending never waits for the client: a packet goes into the session's bounded buffer and the transport's
/// writer takes it from there. A client that stops reading fills the buffer and is closed.
public final class EngineSession: Sendable {
    public let id: String
    let outbound: AsyncStream<EnginePacket>
    private let continuation: AsyncStream<EnginePacket>.Continuation
    private let state: Mutex<State>

    struct State {
        var closeReason: EngineCloseReason?
        /// When the last ping went out with no pong yet.
        var pingSentAt: ContinuousClock.Instant?
        var lastPing: ContinuousClock.Instant
        var closeWaiters: [CheckedContinuation<EngineCloseReason, Never>] = []
    }

    init(id: String, bufferLimit: Int, now: ContinuousClock.Instant) {
        self.id = id
        (outbound, continuation) = AsyncStream.makeStream(of: EnginePacket.self, bufferingPolicy: .bufferingOldest(max(1, bufferLimit)))
        state = Mutex(State(lastPing: now))
    }

    /// Queues a message for the client; false once the session is closed.
    @discardableResult
    public func send(_ message: EngineMessage) -> Bool { send(.message(message)) }

    /// Ends the session: what is already queued is still written, then the transport closes.
    public func close() { close(.serverClosed) }

    public var isClosed: Bool { state.withLock { $0.closeReason != nil } }
    public var closeReason: EngineCloseReason? { state.withLock { $0.closeReason } }

    @discardableResult
    func send(_ packet: EnginePacket) -> Bool {
        guard !isClosed else { return false }
        switch continuation.yield(packet) {
        case .enqueued: return true
        case .dropped:
            close(.slowConsumer)
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    func close(_ reason: EngineCloseReason) {
        let waiters = state.withLock { state -> [CheckedContinuation<EngineCloseReason, Never>]? in
            guard state.closeReason == nil else { return nil }
            state.closeReason = reason
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        guard let waiters else { return }
        continuation.finish()
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Returns once the session is closed, with the reason.
    func closed() async -> EngineCloseReason {
        await withCheckedContinuation { continuation in
            let reason = state.withLock { state -> EngineCloseReason? in
                if let reason = state.closeReason { return reason }
                state.closeWaiters.append(continuation)
                return nil
            }
            if let reason { continuation.resume(returning: reason) }
        }
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
