import Foundation

/// An Engine.IO v4 packet: the transport layer under Socket.IO.
///
/// On WebSocket each packet is one frame: a text frame is the type digit then the data (`4hello`, `2probe`), a
/// binary frame is a `message` whose bytes are the data. On HTTP long-polling a payload joins packets with the
/// record separator `\u{1e}`, a binary message written as `b` and its base64.
public enum EnginePacket: Sendable, Hashable {
    /// The handshake, as JSON text: `{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}`.
    case open(String)
    case close
    case ping(String)
    case pong(String)
    case message(EngineMessage)
    case upgrade
    case noop

    public enum DecodingError: Error, Hashable {
        case empty
        case unknownType(UInt8)
        case badBase64
    }

    /// The type digit of the protocol.
    public var typeDigit: UInt8 {
        switch self {
        case .open: 0
        case .close: 1
        case .ping: 2
        case .pong: 3
        case .message: 4
        case .upgrade: 5
        case .noop: 6
        }
    }

    /// A packet from a WebSocket text frame, or one text packet of a polling payload.
    public init(text: some StringProtocol) throws(DecodingError) {
        guard let first = text.utf8.first else { throw DecodingError.empty }
        let data = String(text.dropFirst())
        switch first {
        case UInt8(ascii: "0"): self = .open(data)
        case UInt8(ascii: "1"): self = .close
        case UInt8(ascii: "2"): self = .ping(data)
        case UInt8(ascii: "3"): self = .pong(data)
        case UInt8(ascii: "4"): self = .message(.text(data))
        case UInt8(ascii: "5"): self = .upgrade
        case UInt8(ascii: "6"): self = .noop
        default: throw DecodingError.unknownType(first)
        }
    }

    /// The WebSocket frame for this packet.
    public var frame: EngineMessage {
        switch self {
        case .message(.binary(let bytes)): .binary(bytes)
        default: .text(text)
        }
    }

    /// The text form: the type digit and the data; a binary message in the polling form (`b` and base64).
    public var text: String {
        switch self {
        case .open(let data): "0" + data
        case .close: "1"
        case .ping(let data): "2" + data
        case .pong(let data): "3" + data
        case .message(.text(let data)): "4" + data
        case .message(.binary(let bytes)): "b" + Data(bytes).base64EncodedString()
        case .upgrade: "5"
        case .noop: "6"
        }
    }
}

/// What an Engine.IO `message` carries, and what a WebSocket frame is.
public enum EngineMessage: Sendable, Hashable {
    case text(String)
    case binary([UInt8])
}

/// The body of a polling request or response: packets joined by the record separator.
public enum EnginePayload {
    static let separator = Character("\u{1e}")

    public static func encode(_ packets: [EnginePacket]) -> String {
        packets.map(\.text).joined(separator: String(separator))
    }

    public static func decode(_ text: String) throws(EnginePacket.DecodingError) -> [EnginePacket] {
        var packets: [EnginePacket] = []
        for part in text.split(separator: separator, omittingEmptySubsequences: false) {
            if part.utf8.first == UInt8(ascii: "b") {
                guard let bytes = Data(base64Encoded: String(part.dropFirst())) else { throw EnginePacket.DecodingError.badBase64 }
                packets.append(.message(.binary(Array(bytes))))
            } else {
                packets.append(try EnginePacket(text: part))
            }
        }
        return packets
    }
}
