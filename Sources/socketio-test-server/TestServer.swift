import Foundation
import Hummingbird
import Logging
import ParleyJSON
import SocketIO

/// The reference test server of the Socket.IO and Engine.IO protocol specifications, on this module: Socket.IO at
/// `/socket.io/` (namespaces `/` and `/custom`), a plain Engine.IO echo server at `/engine.io/`, short heartbeats
/// so that tests see them. `PORT` overrides the port (3000).
@main
struct TestServer {
    static func main() async throws {
        let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 3000
        let logger = Logger(label: "socketio-test-server")
        func configuration(_ path: String) -> EngineConfiguration {
            EngineConfiguration(path: path, pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200), maxPayload: 1_000_000)
        }
        let sockets = SocketServer(connectTimeout: .milliseconds(1000), recovery: InMemorySocketRecovery())
        sockets.namespace("/", handler: EchoNamespace())
        sockets.namespace("/custom", handler: EchoNamespace())
        let socketIO = EngineServer(configuration: configuration("/socket.io/"), handler: sockets)
        let engineIO = EngineServer(configuration: configuration("/engine.io/"), handler: EngineEcho())

        let router = Router()
        socketIO.addRoutes(to: router)
        engineIO.addRoutes(to: router)
        var app = Application(
            router: router,
            server: .engineIO([socketIO, engineIO]),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: logger
        )
        app.addServices(socketIO, engineIO)
        try await app.runService()
    }
}

/// Emits `auth` with the handshake's auth payload on connection; echoes `message` as `message-back`, and answers
/// `message-with-ack` through the acknowledgement with the same arguments. Beyond the reference server, for the
/// server-to-client acknowledgements: `call-me-back` makes the server emit `callback` with the same arguments and
/// wait up to 500 ms for the client's acknowledgement, then emit `callback-answer` with it, or `callback-timeout`;
/// and for rooms and connection state recovery (the server keeps dropped sessions in memory), `join` puts the socket
/// in the rooms named, `to-room` emits `room-message` with the other arguments to the room named first; `slow` takes
/// 100 ms to answer with its arguments.
struct EchoNamespace: NamespaceHandler {
    func connect(_ socket: Socket, auth: JSONValue?) async throws {
        socket.data = auth
    }

    func connected(_ socket: Socket) async {
        socket.emit("auth", SocketArguments([socket.data as? JSONValue ?? .null]))
    }

    func event(_ name: String, _ arguments: SocketArguments, from socket: Socket) async -> SocketArguments {
        switch name {
        case "message":
            socket.emit("message-back", arguments)
            return []
        case "message-with-ack": return arguments
        case "slow":
            try? await Task.sleep(for: .milliseconds(100))
            return arguments
        case "join":
            for room in arguments.values.compactMap(\.stringValue) { socket.join(room) }
            return []
        case "to-room":
            guard let room = arguments.values.first?.stringValue else { return [] }
            socket.namespace.emit(
                "room-message",
                SocketArguments(Array(arguments.values.dropFirst()), attachments: arguments.attachments),
                to: [room]
            )
            return []
        case "call-me-back":
            do {
                socket.emit("callback-answer", try await socket.emitWithAck("callback", arguments, timeout: .milliseconds(500)))
            } catch {
                socket.emit("callback-timeout")
            }
            return []
        default: return []
        }
    }

    func disconnected(_ socket: Socket, reason: String) async {}
}

/// Sends every message back as it came.
struct EngineEcho: EngineHandler {
    func opened(_ session: EngineSession, request: EngineRequest) {}
    func received(_ message: EngineMessage, from session: EngineSession) { session.send(message) }
    func closed(_ session: EngineSession, reason: EngineCloseReason) {}
}
