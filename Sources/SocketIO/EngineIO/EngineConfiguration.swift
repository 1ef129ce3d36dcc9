/// Settings of an Engine.IO server; the defaults are Socket.IO's.
public struct EngineConfiguration: Sendable {
    /// Where clients connect, with the trailing slash Socket.IO clients use.
    public var path: String
    /// How often the server pings each client.
    public var pingInterval: Duration
    /// How long the server waits for the pong before it closes the session.
    public var pingTimeout: Duration
    /// The largest message (WebSocket) or request body (polling) a client may send, in bytes.
    public var maxPayload: Int
    /// Packets that may wait for a client that does not read; past this the session is closed rather than
    /// buffered without bound.
    public var maxBufferedPackets: Int

    public init(
        path: String = "/socket.io/",
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        maxBufferedPackets: Int = 1_000
    ) {
        self.path = path.hasSuffix("/") ? path : path + "/"
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.maxBufferedPackets = maxBufferedPackets
    }
}
