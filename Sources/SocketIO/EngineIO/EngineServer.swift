import Foundation
import HTTPTypes
import HummingbirdWebSocket
import ParleyJSON
import ServiceLifecycle
import Synchronization

/// What the layer above Engine.IO (Socket.IO) is told. The calls are not async on purpose: they come from a
/// session's reader, which must go on reading (pongs above all) while the layer above does its work.
public protocol EngineHandler: Sendable {
    func opened(_ session: EngineSession, request: EngineRequest)
    func received(_ message: EngineMessage, from session: EngineSession)
    func closed(_ session: EngineSession, reason: EngineCloseReason)
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

    /// The handshake error Engine.IO answers with HTTP 400, or nil when `request` opens a WebSocket session.
    public func webSocketHandshakeError(_ request: HTTPRequest) -> EngineHandshakeError? {
        let query = Self.query(of: request.path ?? "")
        guard query["EIO"] == "4" else { return .unsupportedProtocolVersion }
        guard query["transport"] == "websocket" else { return .unknownTransport }
        // Upgrading a polling session comes with its sid; this server speaks WebSocket from the start.
        guard query["sid"] == nil else { return .unknownSession }
        return nil
    }

    /// Whether `path` (with its query) is this server's.
    public func handles(path: String) -> Bool {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        return route == configuration.path || route + "/" == configuration.path
    }

    /// Runs one WebSocket session from its handshake to its end. `cutOff` drops the connection at once, without
    /// the closing handshake: a reader waiting for the client's next frame does not stop for task cancellation.
    public func serve(
        _ inbound: WebSocketInboundStream,
        _ outbound: WebSocketOutboundWriter,
        request: EngineRequest,
        cutOff: @escaping @Sendable () -> Void
    ) async {
        let session = EngineSession(id: Self.newSessionID(), bufferLimit: configuration.maxBufferedPackets, now: .now)
        sessions.withLock { $0[session.id] = session }
        session.send(.open(handshake(session)))
        handler.opened(session, request: request)
        // Each child says whether the connection must be cut off at once rather than wound down.
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                // The writer: every queued packet in order; the stream ends when the session closes.
                do {
                    for await packet in session.outbound { try await outbound.write(Self.frame(packet)) }
                    try await outbound.close(.normalClosure, reason: nil)
                } catch {}
                return false
            }
            group.addTask {
                await self.read(inbound, into: session)
                return false
            }
            group.addTask {
                // A client that stopped reading, or answering pings, is cut off: its writer may be blocked for good.
                let reason = await session.closed()
                return reason == .slowConsumer || reason == .pingTimeout || reason == .protocolError
            }
            for await abrupt in group where abrupt {
                cutOff()
                group.cancelAll()
            }
        }
        session.close(.clientClosed)
        sessions.withLock { $0[session.id] = nil }
        handler.closed(session, reason: session.closeReason ?? .clientClosed)
    }

    private func read(_ inbound: WebSocketInboundStream, into session: EngineSession) async {
        do {
            for try await message in inbound.messages(maxSize: configuration.maxPayload) {
                switch message {
                case .binary(let buffer): handler.received(.binary(Array(buffer.readableBytesView)), from: session)
                case .text(let text):
                    switch try EnginePacket(text: text) {
                    case .pong: session.receivedPong()
                    case .ping(let data): session.send(.pong(data))
                    case .message(let message): handler.received(message, from: session)
                    case .close:
                        session.close(.clientClosed)
                        return
                    case .noop, .upgrade: break
                    case .open: throw EnginePacket.DecodingError.unknownType(UInt8(ascii: "0"))
                    }
                }
                if session.isClosed { return }
            }
            session.close(.clientClosed)
        } catch {
            // A packet that does not parse, a message over maxPayload, a broken frame; cancelled: closed already.
            session.close(error is CancellationError ? .clientClosed : .protocolError)
        }
    }

    /// The heartbeat of every session, until the service is asked to stop.
    public func run() async throws {
        let tick = min(configuration.pingInterval, configuration.pingTimeout) / 4
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            for session in sessions.withLock({ Array($0.values) }) {
                session.heartbeat(at: now, interval: configuration.pingInterval, timeout: configuration.pingTimeout)
            }
        }
        for session in sessions.withLock({ Array($0.values) }) { session.close() }
    }

    private func handshake(_ session: EngineSession) -> String {
        let open: JSONValue = [
            "sid": .string(session.id), "upgrades": [], "pingInterval": .integer(Self.milliseconds(configuration.pingInterval)),
            "pingTimeout": .integer(Self.milliseconds(configuration.pingTimeout)), "maxPayload": .integer(configuration.maxPayload),
        ]
        return open.serialized()
    }

    static func frame(_ packet: EnginePacket) -> WebSocketOutboundWriter.OutboundFrame {
        switch packet.frame {
        case .text(let text): .text(text)
        case .binary(let bytes): .binary(.init(bytes: bytes))
        }
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
