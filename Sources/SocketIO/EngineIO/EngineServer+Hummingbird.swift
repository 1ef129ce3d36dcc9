import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1.1 with WebSocket upgrades at the paths of `servers`; `http1` carries the application's own HTTP
    /// settings. A request that is not a valid Engine.IO WebSocket handshake is not upgraded: it reaches the
    /// router, where `EngineServer.addRoutes` answers it.
    ///
    /// The first request of a connection is parsed before the application's `http1` handlers are in place (they
    /// are added once it is known not to be an upgrade); `firstRequestHandlers` sit behind the parser from the
    /// start, to answer a first request that does not parse.
    public static func engineIO(
        _ servers: [EngineServer],
        http1: HTTP1Channel.Configuration = .init(),
        firstRequestHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) -> HTTPServerBuilder {
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: http1,
            // Engine.IO has its own heartbeat; a message may be as large as the largest maxPayload.
            ws: .init(maxFrameSize: servers.map(\.configuration.maxPayload).max() ?? 1 << 14, autoPing: .disabled, validateUTF8: true)
        )
        return HTTPServerBuilder { responder in
            let upgrading = HTTP1WebSocketUpgradeChannel(responder: responder, configuration: configuration) {
                request,
                channel,
                _ -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> in
                let path = request.path ?? ""
                guard request.method == .get, let server = servers.first(where: { $0.handles(path: path) }),
                    server.webSocketHandshakeError(request) == nil
                else { return .dontUpgrade }
                let engineRequest = EngineRequest(
                    query: EngineServer.query(of: path),
                    headers: request.headerFields,
                    remoteAddress: channel.remoteAddress?.ipAddress
                )
                return .upgrade([:]) { inbound, outbound, _ in
                    await server.serve(inbound, outbound, request: engineRequest) { channel.close(promise: nil) }
                }
            }
            return FirstRequestGuardedChannel(inner: upgrading, handlers: firstRequestHandlers)
        }
    }
}

/// The upgradable HTTP/1.1 channel with handlers added behind its parser from the start.
struct FirstRequestGuardedChannel: ServerChildChannel {
    let inner: HTTP1WebSocketUpgradeChannel
    let handlers: @Sendable () -> [any ChannelHandler]

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandlers(handlers())
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension EngineServer {
    /// Routes for what reaches `configuration.path` without upgrading: the handshake errors Engine.IO answers.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let path = RouterPath(String(configuration.path.dropLast()))
        for method: HTTPRequest.Method in [.get, .post, .put, .delete, .patch] {
            router.on(path, method: method) { request, _ in
                let error: EngineHandshakeError
                if method != .get && method != .post {
                    error = .badHandshakeMethod
                } else {
                    let head = HTTPRequest(method: request.method, scheme: nil, authority: nil, path: request.uri.description)
                    // A WebSocket request that came this far was refused for its query; the polling transport is not
                    // served yet, so for this server it is an unknown transport.
                    error = self.webSocketHandshakeError(head) ?? .badRequest
                }
                return Response(
                    status: .badRequest,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: error.body))
                )
            }
        }
    }
}
