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
    public static func engineIO(_ servers: [EngineServer], http1: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .http1WebSocketUpgrade(
            configuration: .init(
                http1: http1,
                // Engine.IO has its own heartbeat; a message may be as large as the largest maxPayload.
                ws: .init(maxFrameSize: servers.map(\.configuration.maxPayload).max() ?? 1 << 14, autoPing: .disabled, validateUTF8: true)
            )
        ) { request, channel, _ in
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
