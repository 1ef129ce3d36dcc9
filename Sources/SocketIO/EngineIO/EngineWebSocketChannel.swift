import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// An HTTP/1.1 connection that a request for an Engine.IO path may upgrade to a WebSocket. Every other request is
/// Hummingbird's, as on its own HTTP/1.1 channel; a WebSocket is served by `EngineWebSocketHandler` in the channel's
/// pipeline, driven by the event loop, with no task of its own: an idle connection costs its channel and its session,
/// not suspended tasks (Hummingbird's WebSocket channel holds two per connection, about 20 KB).
struct EngineWebSocketChannel: ServerChildChannel, HTTPChannelHandler {
    enum Upgrade: Sendable {
        /// The WebSocket is served in the pipeline; nothing is left to run.
        case webSocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade the WebSocket upgrader refused (a broken handshake): 400, and the connection closes.
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    let servers: [EngineServer]
    let http1: HTTP1Channel.Configuration
    let responder: HTTPChannelHandler.Responder

    /// The server whose path `head` asks for and the request's fields, if it may open or upgrade a WebSocket session
    /// there.
    private func accept(_ head: HTTPRequestHead) -> (server: EngineServer, fields: HTTPFields)? {
        guard head.method == .GET, let server = servers.first(where: { $0.handles(path: head.uri) }),
            let request = try? HTTPRequest(head, secure: false, splitCookie: false), server.webSocketHandshakeError(request) == nil
        else { return nil }
        return (server, request.headerFields)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            // What the handshake was checked against, kept for the pipeline: the upgrader hands both steps the head.
            let accepted = NIOLoopBoundBox<(server: EngineServer, fields: HTTPFields)?>(nil, eventLoop: channel.eventLoop)
            // Engine.IO has its own heartbeat; a message may be as large as the largest maxPayload.
            let maxPayload = servers.map(\.configuration.maxPayload).max() ?? 1 << 14
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: maxPayload,
                shouldUpgrade: { channel, head in
                    attempted.value = true
                    accepted.value = accept(head)
                    return channel.eventLoop.makeSucceededFuture(accepted.value == nil ? nil : HTTPHeaders())
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        guard let (server, fields) = accepted.value else { throw ChannelError.inappropriateOperationForState }
                        let request = EngineRequest(
                            query: EngineServer.query(of: head.uri),
                            headers: fields,
                            remoteAddress: channel.remoteAddress?.ipAddress
                        )
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0,
                                maxAccumulatedFrameCount: Int.max,
                                maxAccumulatedFrameSize: server.configuration.maxPayload
                            ),
                            EngineWebSocketHandler(server: server, request: request)
                        )
                        return .webSocket
                    }
                }
            )
            let notUpgrading = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try sync.addHandlers(http1.additionalChannelHandlers())
                        try sync.addHandler(HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return attempted.value ? .failedUpgrade(http) : .notUpgraded(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: notUpgrading)
            configuration.enablePipelining = false  // NIOAsyncChannel pipelines
            configuration.enableErrorHandling = false  // Hummingbird answers errors
            configuration.enableResponseHeaderValidation = false  // HTTPTypes validated them
            configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .webSocket: break
            case .notUpgraded(let http): await handleHTTP(asyncChannel: http, logger: logger)
            case .failedUpgrade(let http):
                try await http.executeThenClose { _, outbound in
                    try await outbound.write(
                        contentsOf: [.head(HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])), .end(nil)]
                    )
                }
            }
        } catch {
            logger.debug("connection ended before its first request was handled", metadata: ["error": "\(error)"])
        }
    }
}

/// One Engine.IO session's WebSocket, in the channel's pipeline: frames in become packets for the session (or the
/// probe of a polling session's upgrade), and whatever the session queues is written out as the event loop gets to
/// it. A client that stops reading leaves the channel unwritable: packets then wait in the session's bounded queue,
/// and once that is full the session ends (`slowConsumer`) and the connection is dropped.
final class EngineWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let server: EngineServer
    private let request: EngineRequest
    private var session: EngineSession?
    /// Sent our close frame: nothing more is written.
    private var closing = false

    init(server: EngineServer, request: EngineRequest) {
        self.server = server
        self.request = request
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let session: EngineSession
        if let sid = request.query["sid"] {
            guard let polling = server.session(sid), polling.beginUpgrade() else {
                context.close(promise: nil)
                return
            }
            session = polling
        } else {
            session = server.open(.websocket, request: request)
        }
        self.session = session
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let pipelineContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        session.whenCutOff { channel.close(promise: nil) }
        session.whenQueued {
            channel.eventLoop.execute { handler.value.drain(context: pipelineContext.value) }
        }
        drain(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            guard let text = String(validating: frame.unmaskedData.readableBytesView, as: UTF8.self), let packet = try? EnginePacket(text: text)
            else { return fail(.protocolError, context: context) }
            received(packet, session: session, context: context)
        case .binary:
            server.handler.received(.binary(Array(frame.unmaskedData.readableBytesView)), from: session)
        case .ping:
            write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData), context: context, flush: true)
        case .connectionClose:
            // The client's closing handshake: answered, and the connection ends.
            closeConnection(context: context)
        default:
            break
        }
        if session.isClosed {
            drain(context: context)
        } else if server.handler.isBusy(session) {
            // The layer above is behind with this client's messages: read nothing more until it has caught up.
            let (channel, handler) = (context.channel, server.handler)
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in
                Task {
                    await handler.ready(for: session)
                    _ = channel.setOption(ChannelOptions.autoRead, value: true)
                }
            }
        }
    }

    private func received(_ packet: EnginePacket, session: EngineSession, context: ChannelHandlerContext) {
        guard session.transport == .upgrading else {
            _ = server.handle(packet, from: session)
            return
        }
        // The probe: answered on this WebSocket, while a noop ends the pending poll so that the client can pause
        // polling and send `upgrade`.
        switch packet {
        case .ping("probe"):
            write(Self.frame(.pong("probe"), context: context), context: context, flush: true)
            session.send(.noop)
        case .upgrade:
            session.completeUpgrade()
            drain(context: context)
        default:
            session.abandonUpgrade()
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        drain(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A broken frame or a message over maxPayload.
        fail(.protocolError, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server allows half-closed connections (HTTP needs them), but a WebSocket client that shut its side without
        // a closing handshake is gone: without this its connection would wait for the next ping to fail, with the
        // user still online.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session {
            if session.transport == .upgrading {
                // A probe that never completed leaves the session to polling.
                session.abandonUpgrade()
            } else if session.transport == .websocket || session.isClosed {
                session.close(.clientClosed)
                server.forget(session)
            }
        }
        context.fireChannelInactive()
    }

    /// Writes what the session has queued while the client keeps up; once the session has ended and its queue is
    /// delivered, the closing handshake.
    private func drain(context: ChannelHandlerContext) {
        guard let session, !closing, session.transport == .websocket, context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable {
            guard let packets = session.takeQueued() else {
                closeConnection(context: context)
                return
            }
            if packets.isEmpty { break }
            for packet in packets { write(Self.frame(packet, context: context), context: context, flush: false) }
            wrote = true
        }
        if wrote { context.flush() }
    }

    private func fail(_ reason: EngineCloseReason, context: ChannelHandlerContext) {
        guard let session else { return context.close(promise: nil) }
        if session.transport == .upgrading {
            session.abandonUpgrade()
            context.close(promise: nil)
        } else {
            session.close(reason)
        }
    }

    private func closeConnection(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        var code = context.channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: code)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    private func write(_ frame: WebSocketFrame, context: ChannelHandlerContext, flush: Bool) {
        guard !closing else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    private static func frame(_ packet: EnginePacket, context: ChannelHandlerContext) -> WebSocketFrame {
        switch packet.frame {
        case .text(let text): WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
        case .binary(let bytes): WebSocketFrame(fin: true, opcode: .binary, data: context.channel.allocator.buffer(bytes: bytes))
        }
    }
}
