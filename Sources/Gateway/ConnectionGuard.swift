import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import ParleyAPI

/// What happens on a connection before a request reaches the router:
/// - a request line or headers that do not parse or are too large get the contract's JSON error with the security
///   headers (Hummingbird alone answers a bare, empty 400), then the connection closes;
/// - a request whose body stops arriving for `bodyStall` is cut off, so a client dripping a body byte by byte cannot
///   hold a connection forever (idle connections between requests are Hummingbird's `idleTimeout`).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let bodyStall: TimeAmount
    private let production: Bool
    /// A request has begun and its answer is not complete: an error then must not write a second answer into it.
    private var requestInFlight = false
    private var receivingBody = false
    private var stallTimer: Scheduled<Void>?

    init(bodyStall: TimeAmount, production: Bool) {
        self.bodyStall = bodyStall
        self.production = production
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestInFlight = true
            receivingBody = true
        case .body:
            break
        case .end:
            receivingBody = false
        }
        restartStallTimer(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestInFlight = false }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError, !requestInFlight else {
            context.fireErrorCaught(error)
            return
        }
        let (response, body) = Self.answer(to: parseError, production: production)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    /// The contract's error for a request that does not parse, with the security headers; the connection closes.
    static func answer(to error: HTTPParserError, production: Bool) -> (HTTPResponse, [UInt8]) {
        let apiError =
            error == .headerOverflow
            ? APIError(
                .init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
                code: "PAYLOAD_TOO_LARGE",
                message: "The request line or headers are too large"
            )
            : APIError(.badRequest, message: "The request is not valid HTTP")
        var headers = apiError.headers
        headers[.contentType] = APIMediaType.json
        headers[.connection] = "close"
        for (name, value) in SecurityHeaders.fields(production: production) { headers[name] = value }
        let body = apiError.body
        headers[.contentLength] = String(body.count)
        return (HTTPResponse(status: apiError.status, headerFields: headers), body)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stallTimer?.cancel()
    }

    private func restartStallTimer(_ context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
        guard receivingBody else { return }
        stallTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: bodyStall) { [weak self] in
            guard let self, self.receivingBody else { return }
            context.close(promise: nil)
        }
    }
}

/// `ConnectionGuard` and the idle timeout for the first request of a connection, which is read before either is in
/// the pipeline (the WebSocket upgrade handler reads it first): a first request that does not parse gets the
/// contract's error, a connection that sends no whole request within `idleTimeout` is closed. It leaves once a
/// first request has arrived.
final class FirstRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let production: Bool
    let idleTimeout: TimeAmount
    private var idleTimer: Scheduled<Void>?

    init(production: Bool, idleTimeout: TimeAmount) {
        self.production = production
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: idleTimeout) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// An upgrade to WebSocket consumes the first request without passing it on: from then on Engine.IO's
    /// heartbeat watches the connection.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .upgradeComplete = event as? HTTPServerUpgradeEvents {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        let (response, body) = ConnectionGuard.answer(to: parseError, production: production)
        var head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status.code, reasonPhrase: response.status.reasonPhrase))
        for field in response.headerFields { head.headers.add(name: field.name.rawName, value: field.value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
