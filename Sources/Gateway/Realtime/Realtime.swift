public import Coordination
import Foundation
public import Logging
public import ParleyAPI
public import ServiceKit
public import ServiceLifecycle
public import SocketIO

/// Socket.IO for the chat, at `/socket.io/`: the Engine.IO server that WebSocket upgrades are handed to, and
/// what runs beside the HTTP server (the heartbeat, the relay from the event bus to the sockets).
public struct Realtime: Sendable {
    public let engine: EngineServer
    public let sockets: SocketServer
    let relay: EventRelay
    let heartbeat: PresenceHeartbeat
    let deliveries: DeliveryReceipts

    public init(
        services: ServiceSet,
        coordination: SharedState,
        events: any EventPublisher,
        security: any APISecurity,
        configuration: EngineConfiguration = .init(),
        limits: SocketLimits = SocketLimits(),
        logger: Logger
    ) {
        sockets = SocketServer(recovery: BusRecovery(bus: coordination.bus, sessions: coordination.sessions, logger: logger))
        let namespace = sockets.namespace(
            "/",
            handler: ChatNamespace(
                services: services,
                events: events,
                security: security,
                presence: coordination.presence,
                typing: TypingTimers(),
                limits: limits,
                logger: logger
            )
        )
        engine = EngineServer(configuration: configuration, handler: sockets)
        deliveries = DeliveryReceipts(messages: services.messagesInternal, logger: logger)
        relay = EventRelay(bus: coordination.bus, namespace: namespace, deliveries: deliveries, logger: logger)
        heartbeat = PresenceHeartbeat(presence: coordination.presence, namespace: namespace, logger: logger)
    }

    /// Run these beside the HTTP server.
    public var services: [any Service] { [engine, relay, heartbeat, deliveries] }
}

/// Keeps the presence of this instance's users alive: their records lapse after the tracker's TTL unless
/// refreshed, so that the users of an instance that died go offline by themselves.
struct PresenceHeartbeat: Service {
    let presence: any PresenceTracker
    let namespace: Namespace
    let logger: Logger
    var interval: Duration = PresenceDefaults.ttl / 3

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // The interval is long: a shutdown does not wait for it.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            let users = Set(namespace.sockets().compactMap { ($0.data as? Caller)?.userId })
            let now = Date()
            for user in users {
                do {
                    try await presence.heartbeat(user, at: now)
                } catch {
                    logger.warning("presence heartbeat failed", metadata: ["error": "\(error)"])
                    break
                }
            }
        }
    }
}
