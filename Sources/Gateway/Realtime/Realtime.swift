import Coordination
import Logging
import ParleyAPI
import ParleyStore
import ServiceKit
import ServiceLifecycle
import SocketIO

/// Socket.IO for the chat, at `/socket.io/`: the Engine.IO server that WebSocket upgrades are handed to, and
/// what runs beside the HTTP server (the heartbeat, the relay from the event bus to the sockets).
public struct Realtime: Sendable {
    public let engine: EngineServer
    public let sockets: SocketServer
    let relay: EventRelay

    public init(
        services: ServiceSet,
        store: any Store,
        bus: any EventBus,
        events: any EventPublisher,
        security: any APISecurity,
        configuration: EngineConfiguration = .init(),
        logger: Logger
    ) {
        sockets = SocketServer()
        let namespace = sockets.namespace(
            "/",
            handler: ChatNamespace(
                services: services,
                store: store,
                events: events,
                security: security,
                typing: TypingTimers(),
                logger: logger
            )
        )
        engine = EngineServer(configuration: configuration, handler: sockets)
        relay = EventRelay(bus: bus, namespace: namespace, logger: logger)
    }

    /// Run these beside the HTTP server.
    public var services: [any Service] { [engine, relay] }
}
