import NIOCore
import NIOHTTP1
import NIOWebSocket

/// What a load connection hears: Socket.IO over an Engine.IO WebSocket, reduced to what the load needs.
enum ClientEvent {
    case connected
    case refused(String)
    /// `42[...]`: the packet's text, unparsed (latency is read straight from it).
    case event(Substring)
    case ack
    case closed
}

/// Opens the WebSocket with an HTTP/1.1 upgrade request; removed once the upgrade is done.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let host: String
    let path: String

    init(host: String, path: String) {
        self.host = host
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response that is not the upgrade: the server refused it.
        if case .head(let head) = unwrapInboundIn(data), head.status != .switchingProtocols { context.close(promise: nil) }
    }
}

/// Engine.IO and Socket.IO client framing: answers pings, connects the default namespace with `auth`, hands the rest
/// to `onEvent` on the channel's event loop.
final class SocketIOClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let auth: String
    private let onEvent: (ClientEvent) -> Void

    init(auth: String, onEvent: @escaping (ClientEvent) -> Void) {
        self.auth = auth
        self.onEvent = onEvent
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var data = frame.unmaskedData
            let text = data.readString(length: data.readableBytes) ?? ""
            handle(Substring(text), context: context)
        case .connectionClose:
            context.close(promise: nil)
        case .ping:
            send(frame.unmaskedData, opcode: .pong, context: context)
        default:
            break
        }
    }

    private func handle(_ text: Substring, context: ChannelHandlerContext) {
        guard let kind = text.first else { return }
        switch kind {
        case "0": send("40" + auth, context: context)
        case "2": send("3", context: context)
        case "4":
            let packet = text.dropFirst()
            if packet.hasPrefix("2") {
                onEvent(.event(packet.dropFirst()))
            } else if packet.hasPrefix("3") {
                onEvent(.ack)
            } else if packet.hasPrefix("0") {
                onEvent(.connected)
            } else if packet.hasPrefix("4") {
                onEvent(.refused(String(packet.dropFirst())))
            }
        default: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        onEvent(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        send(context.channel.allocator.buffer(string: text), opcode: .text, context: context)
    }

    private func send(_ data: ByteBuffer, opcode: WebSocketOpcode, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(Self.frame(data, opcode: opcode)), promise: nil)
    }

    /// A client frame: always masked.
    static func frame(_ data: ByteBuffer, opcode: WebSocketOpcode = .text) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}
