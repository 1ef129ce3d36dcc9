public import ParleyJSON

/// A Socket.IO v5 packet, carried in one Engine.IO message:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]`, e.g. `2["hello",1]`, `2/admin,12["hi"]`,
/// `51-["file",{"_placeholder":true,"num":0}]`. A binary packet's attachments follow as that many binary
/// Engine.IO messages; its payload names each by a placeholder.
public struct SocketPacket: Sendable, Hashable {
    public enum Kind: UInt8, Sendable {
        case connect = 0
        case disconnect = 1
        case event = 2
        case ack = 3
        case connectError = 4
        case binaryEvent = 5
        case binaryAck = 6

        var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
    }

    public enum DecodingError: Error, Hashable {
        case unknownType
        case badAttachmentCount
        case badNamespace
        case badAckId
        case badJSON
        /// The payload does not fit the packet type (an event without a name, a connect with an array, ...).
        case badPayload
    }

    public var kind: Kind
    public var namespace: String
    public var ackId: Int?
    public var payload: JSONValue?
    /// How many binary messages follow (binary kinds only).
    public var attachments: Int

    /// Names an application may not use for events: the client library uses them itself.
    public static let reservedEvents: Set<String> = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]
    /// More attachments than this is abuse, not a file: each one is a message to wait for.
    public static let maxAttachments = 10_000

    public init(kind: Kind, namespace: String = "/", ackId: Int? = nil, payload: JSONValue? = nil, attachments: Int = 0) {
        self.kind = kind
        self.namespace = namespace
        self.ackId = ackId
        self.payload = payload
        self.attachments = attachments
    }

    /// The event name and arguments of an event packet; a numeric name (the parser allows one) as its text.
    public var event: (name: String, arguments: [JSONValue])? {
        guard kind == .event || kind == .binaryEvent, case .array(let items) = payload, let first = items.first else { return nil }
        return (first.stringValue ?? first.serialized(), Array(items.dropFirst()))
    }

    public init(text: String) throws(DecodingError) {
        var bytes = Array(text.utf8)[...]
        guard let first = bytes.popFirst(), first >= UInt8(ascii: "0"), let kind = Kind(rawValue: first - UInt8(ascii: "0")) else {
            throw DecodingError.unknownType
        }
        self.kind = kind

        attachments = 0
        if kind.isBinary {
            guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")), let count = Self.number(bytes[..<dash]), count <= Self.maxAttachments else {
                throw DecodingError.badAttachmentCount
            }
            attachments = count
            bytes = bytes[(dash + 1)...]
        }

        namespace = "/"
        if bytes.first == UInt8(ascii: "/") {
            let end = bytes.firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            namespace = String(decoding: bytes[..<end], as: UTF8.self)
            bytes = end == bytes.endIndex ? bytes[end...] : bytes[(end + 1)...]
        }

        ackId = nil
        let digits = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        if !digits.isEmpty {
            guard let id = Self.number(digits) else { throw DecodingError.badAckId }
            ackId = id
            bytes = bytes[digits.endIndex...]
        }

        payload = nil
        if !bytes.isEmpty {
            do {
                payload = try JSONParser.parse(Array(bytes))
            } catch {
                throw DecodingError.badJSON
            }
        }
        guard isPayloadValid else { throw DecodingError.badPayload }
    }

    /// What each type may carry (the rules of socket.io-parser; an ack id only where one can be answered).
    private var isPayloadValid: Bool {
        if ackId != nil, kind == .connect || kind == .disconnect || kind == .connectError { return false }
        switch kind {
        case .connect:
            if case .object? = payload { return true }
            return payload == nil
        case .disconnect:
            return payload == nil
        case .connectError:
            switch payload {
            case .object?, .string?: return true
            default: return false
            }
        case .event, .binaryEvent:
            guard case .array(let items)? = payload, let name = items.first else { return false }
            if case .string(let text) = name { return !Self.reservedEvents.contains(text) }
            if case .integer = name { return true }
            return false
        case .ack, .binaryAck:
            if case .array? = payload { return true }
            return false
        }
    }

    public var text: String {
        var out = String(kind.rawValue)
        if kind.isBinary { out += "\(attachments)-" }
        if namespace != "/" { out += namespace + "," }
        if let ackId { out += String(ackId) }
        if let payload { out += payload.serialized() }
        return out
    }

    /// A non-negative decimal number without overflow; nil for anything else.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }
}

/// Binary attachments in a payload: each one is a `{"_placeholder": true, "num": N}` object in the JSON, and the
/// N-th binary message after the packet.
public enum SocketAttachments {
    public static func placeholder(_ index: Int) -> JSONValue { ["_placeholder": true, "num": .integer(index)] }

    /// The attachment index a placeholder stands for, or nil when `value` is not a placeholder.
    public static func index(of value: JSONValue) -> Int? {
        guard case .object(let object) = value, object.count == 2, object["_placeholder"] == .bool(true) else { return nil }
        return object["num"]?.intValue
    }

    /// Every placeholder of `payload` names one of `count` attachments, and each attachment is named.
    public static func areComplete(_ payload: JSONValue?, count: Int) -> Bool {
        var seen = Set<Int>()
        var valid = true
        func visit(_ value: JSONValue) {
            if let index = index(of: value) {
                if (0..<count).contains(index) { seen.insert(index) } else { valid = false }
                return
            }
            switch value {
            case .array(let items): items.forEach(visit)
            case .object(let object): object.entries.forEach { visit($0.value) }
            default: break
            }
        }
        if let payload { visit(payload) }
        return valid && seen.count == count
    }
}
