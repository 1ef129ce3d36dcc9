import HTTPTypes
public import Hummingbird
public import HummingbirdCore
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
        HTTPServerBuilder { responder in
            FirstRequestGuardedChannel(
                inner: EngineWebSocketChannel(servers: servers, http1: http1, responder: responder),
                handlers: firstRequestHandlers
            )
        }
    }
}

/// The upgradable HTTP/1.1 channel with handlers added behind its parser from the start.
struct FirstRequestGuardedChannel: ServerChildChannel {
    let inner: EngineWebSocketChannel
    let handlers: @Sendable () -> [any ChannelHandler]

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<EngineWebSocketChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandlers(handlers())
            return value
        }
    }

    func handle(value: EngineWebSocketChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension EngineServer {
    /// The polling transport at `configuration.path`, and the handshake errors for what reaches it without
    /// upgrading. The application's middleware (CORS, for browsers on other origins) applies as to any route.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let path = RouterPath(String(configuration.path.dropLast()))
        for method: HTTPRequest.Method in [.get, .post, .put, .delete, .patch] {
            router.on(path, method: method) { request, context in
                let query = Self.query(of: request.uri.description)
                let engineRequest = EngineRequest(
                    query: query,
                    headers: request.headers,
                    remoteAddress: (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
                )
                let maxPayload = self.configuration.maxPayload
                let answer = await self.poll(method: method, query: query, request: engineRequest) {
                    do {
                        return Array(try await request.body.collect(upTo: maxPayload).readableBytesView)
                    } catch is NIOTooManyBytesError {
                        return nil
                    }
                }
                return Self.response(answer)
            }
        }
    }

    static func response(_ answer: EngineHTTPAnswer) -> Response {
        switch answer {
        case .packets(let packets):
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=UTF-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: EnginePayload.encode(packets)))
            )
        case .ok:
            return Response(
                status: .ok,
                headers: [.contentType: "text/html", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "ok"))
            )
        case .error(let error):
            return Response(status: .badRequest, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: error.body)))
        case .payloadTooLarge:
            return Response(
                status: .contentTooLarge,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"code":3,"message":"Payload too large"}"#))
            )
        }
    }
}
