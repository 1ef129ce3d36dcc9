import Foundation
public import HTTPTypes
import ParleyJSON
public import ServiceLifecycle
import Synchronization

/// What the layer above Engine.IO (Socket.IO) is told. The calls are not async on purpose: they come from a
/// session's reader, which must go on reading (pongs above all) while the layer above does its work.
public protocol EngineHandler: Sendable {
    func opened(_ session: EngineSession, request: EngineRequest)
    func received(_ message: EngineMessage, from session: EngineSession)
    func closed(_ session: EngineSession, reason: EngineCloseReason)
    /// Whether the layer above is behind with the session's messages; the transport then waits for `ready(for:)`.
    func isBusy(_ session: EngineSession) -> Bool
    /// Returns once the layer above can take more of the session's messages. The transport reads nothing meanwhile,
    /// so a client that sends faster than its messages are handled is held back by TCP (or its POST is answered
    /// later), rather than queued without bound.
    func ready(for session: EngineSession) async
}

extension EngineHandler {
    public func isBusy(_ session: EngineSession) -> Bool { false }
    public func ready(for session: EngineSession) async {}
}

/// The request that opened a session.
public struct EngineRequest: Sendable {
    public var query: [String: String]
    public var headers: HTTPFields
    public var remoteAddress: String?

    public init(query: [String: String], headers: HTTPFields, remoteAddress: String?) {
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
    }
}

/// An Engine.IO v4 server: sessions, their heartbeat, and the WebSocket transport. Run it as a service (the
/// heartbeat) beside the HTTP server that hands it WebSocket connections.
public final class EngineServer: Service, Sendable {
    public let configuration: EngineConfiguration
    let handler: any EngineHandler
    private let sessions = Mutex<[String: EngineSession]>([:])

    public init(configuration: EngineConfiguration = .init(), handler: any EngineHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    public var sessionCount: Int { sessions.withLock { $0.count } }

    /// The handshake error Engine.IO answers with HTTP 400, or nil when `request` may open (or upgrade to) a
    /// WebSocket session.
    public func webSocketHandshakeError(_ request: HTTPRequest) -> EngineHandshakeError? {
        let query = Self.query(of: request.path ?? "")
        guard query["EIO"] == "4" else { return .unsupportedProtocolVersion }
        guard query["transport"] == "websocket" else { return .unknownTransport }
        if let sid = query["sid"] {
            guard let session = session(sid) else { return .unknownSession }
            guard session.transport == .polling else { return .badRequest }
        }
        return nil
    }

    /// Whether `path` (with its query) is this server's.
    public func handles(path: String) -> Bool {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        return route == configuration.path || route + "/" == configuration.path
    }

    func session(_ id: String) -> EngineSession? { sessions.withLock { $0[id] } }

    /// A new session, registered and told its handshake; the layer above hears of it.
    func open(_ transport: EngineSession.Transport, request: EngineRequest) -> EngineSession {
        let session = EngineSession(id: Self.newSessionID(), transport: transport, bufferLimit: configuration.maxBufferedPackets, now: .now)
        sessions.withLock { $0[session.id] = session }
        session.send(.open(handshake(session)))
        handler.opened(session, request: request)
        return session
    }

    /// Unregisters a closed session; the layer above hears of it once.
    func forget(_ session: EngineSession) {
        guard sessions.withLock({ $0.removeValue(forKey: session.id) }) != nil else { return }
        handler.closed(session, reason: session.closeReason ?? .clientClosed)
    }

    /// A packet from the client on either transport; false when it ends the session.
    func handle(_ packet: EnginePacket, from session: EngineSession) -> Bool {
        switch packet {
        case .pong: session.receivedPong()
        case .ping(let data): session.send(.pong(data))
        case .message(let message): handler.received(message, from: session)
        case .close:
            session.close(.clientClosed)
            return false
        case .noop: break
        case .upgrade, .open:
            session.close(.protocolError)
            return false
        }
        return true
    }

    // MARK: HTTP long-polling

    /// A polling request at `configuration.path`: the handshake (GET without sid), a poll (GET), or packets from
    /// the client (POST). Errors are the handshake errors, answered with 400 (413 for a body over maxPayload).
    public func poll(
        method: HTTPRequest.Method,
        query: [String: String],
        request: EngineRequest,
        body: () async throws -> [UInt8]?
    ) async -> EngineHTTPAnswer {
        guard query["EIO"] == "4" else { return .error(.unsupportedProtocolVersion) }
        guard let transport = query["transport"], transport == "polling" || transport == "websocket" else { return .error(.unknownTransport) }
        if let sid = query["sid"], session(sid) == nil { return .error(.unknownSession) }
        // A WebSocket request that reached HTTP is not a valid upgrade.
        guard transport == "polling" else { return .error(.badRequest) }
        guard let sid = query["sid"] else {
            guard method == .get else { return .error(.badHandshakeMethod) }
            let session = open(.polling, request: request)
            return .packets(await session.take() ?? [])
        }
        guard let session = session(sid) else { return .error(.unknownSession) }
        switch method {
        case .get:
            guard session.beginPoll() else {
                // A second concurrent poll (or a poll after the upgrade) is a broken client: the session ends.
                session.close(.protocolError)
                forget(session)
                return .error(.badRequest)
            }
            defer { session.endPoll() }
            guard let packets = await session.take() else {
                forget(session)
                return .packets([.close])
            }
            return .packets(packets)
        case .post:
            guard session.transport != .websocket else { return .error(.badRequest) }
            let bytes: [UInt8]
            do {
                guard let read = try await body() else {
                    session.close(.protocolError)
                    forget(session)
                    return .payloadTooLarge
                }
                bytes = read
            } catch {
                return .error(.badRequest)
            }
            guard let packets = try? EnginePayload.decode(String(decoding: bytes, as: UTF8.self)) else {
                session.close(.protocolError)
                forget(session)
                return .error(.badRequest)
            }
            for packet in packets where !handle(packet, from: session) { break }
            if session.isClosed { forget(session) }
            await handler.ready(for: session)
            return .ok
        default:
            return .error(.badHandshakeMethod)
        }
    }

    /// The heartbeat of every session, until the service is asked to stop. A polling session that was closed
    /// while no poll was waiting is forgotten here.
    public func run() async throws {
        let tick = min(configuration.pingInterval, configuration.pingTimeout) / 4
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            let now = ContinuousClock.now
            for session in sessions.withLock({ Array($0.values) }) {
                session.heartbeat(at: now, interval: configuration.pingInterval, timeout: configuration.pingTimeout)
                if session.isClosed, session.transport != .websocket { forget(session) }
            }
        }
        for session in sessions.withLock({ Array($0.values) }) { session.close(.shuttingDown) }
    }

    private func handshake(_ session: EngineSession) -> String {
        let open: JSONValue = [
            "sid": .string(session.id), "upgrades": session.transport == .polling ? ["websocket"] : [],
            "pingInterval": .integer(Self.milliseconds(configuration.pingInterval)),
            "pingTimeout": .integer(Self.milliseconds(configuration.pingTimeout)), "maxPayload": .integer(configuration.maxPayload),
        ]
        return open.serialized()
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds) &* 1000 &+ Int(attoseconds / 1_000_000_000_000_000)
    }

    /// 128 random bits in hex: unguessable, since a sid is all a polling client shows.
    static func newSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        let bytes = (0..<16).flatMap { _ -> [UInt8] in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The query of a request target, decoded; a key given twice keeps its first value.
    static func query(of target: String) -> [String: String] {
        guard let start = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            if result[key] == nil { result[key] = value }
        }
        return result
    }
}

/// What a polling request is answered with.
public enum EngineHTTPAnswer: Sendable {
    /// A poll's packets, as a payload (`text/plain; charset=UTF-8`).
    case packets([EnginePacket])
    /// Packets taken (`ok`, `text/html`).
    case ok
    case error(EngineHandshakeError)
    /// A body over maxPayload: 413, and the session is closed.
    case payloadTooLarge
}

/// The errors of the Engine.IO handshake, answered with HTTP 400 and `{"code", "message"}`.
public enum EngineHandshakeError: Int, Error, Sendable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    public var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    public var body: String { #"{"code":\#(rawValue),"message":"\#(message)"}"# }
}
