/// Socket event types: what clients send (decoded and validated like request bodies), what the server
/// emits, and a handler protocol with one method per client event.
struct SwiftEventsRenderer {
    let model: APIModel

    func render() -> String {
        clientEvents() + "\n" + serverEvents() + "\n" + handlerProtocol()
    }

    private func clientEvents() -> String {
        var out = "/// Events a client sends to the server.\n"
        out += "public enum ClientEvent: Sendable, Hashable {\n"
        for event in model.clientEvents {
            out += SwiftNames.doc(event.description, indent: "    ")
            out += "    case \(SwiftNames.identifier(event.name))(\(event.payload))\n"
        }
        out +=
            "\n    public static let names: [String] = [\(model.clientEvents.map { SwiftNames.stringLiteral($0.name) }.joined(separator: ", "))]\n\n"
        out += "    public var name: String {\n"
        out += "        switch self {\n"
        for event in model.clientEvents {
            out += "        case .\(SwiftNames.identifier(event.name)): \(SwiftNames.stringLiteral(event.name))\n"
        }
        if model.clientEvents.isEmpty { out += "        default: \"\"\n" }
        out += "        }\n    }\n\n"
        out += "    /// Whether the client waits for an acknowledgement.\n"
        out += "    public static func expectsAck(_ name: String) -> Bool {\n"
        let acked = model.clientEvents.filter { $0.ack != nil }.map { SwiftNames.stringLiteral($0.name) }
        out += "        [\(acked.joined(separator: ", "))].contains(name)\n    }\n\n"
        out += "    /// The event named `name` with its payload validated; `APIError.validation` lists every problem.\n"
        out += "    public static func decode(name: String, payload: JSONValue) throws(APIError) -> ClientEvent {\n"
        out += "        var v_ = Validation()\n"
        out += "        switch name {\n"
        for event in model.clientEvents {
            out += "        case \(SwiftNames.stringLiteral(event.name)):\n"
            out +=
                "            if let payload = \(event.payload).decode(payload, at: \"payload\", &v_) { return .\(SwiftNames.identifier(event.name))(payload) }\n"
        }
        out += "        default:\n"
        out += "            throw APIError.validation(path: \"event\", \"unknown event '\\(name)'\")\n"
        out += "        }\n"
        out += "        throw APIError.validation(v_.issues)\n"
        out += "    }\n}\n"
        return out
    }

    private func serverEvents() -> String {
        var out = "/// Events the server emits to clients.\n"
        out += "public enum ServerEvent: Sendable, Hashable {\n"
        for event in model.serverEvents {
            out += SwiftNames.doc(event.description, indent: "    ")
            out += "    case \(SwiftNames.identifier(event.name))(\(event.payload))\n"
        }
        out +=
            "\n    public static let names: [String] = [\(model.serverEvents.map { SwiftNames.stringLiteral($0.name) }.joined(separator: ", "))]\n\n"
        out += "    public var name: String {\n"
        out += "        switch self {\n"
        for event in model.serverEvents {
            out += "        case .\(SwiftNames.identifier(event.name)): \(SwiftNames.stringLiteral(event.name))\n"
        }
        if model.serverEvents.isEmpty { out += "        default: \"\"\n" }
        out += "        }\n    }\n\n"
        out += "    public func encodePayload(to writer: inout JSONWriter) {\n"
        out += "        switch self {\n"
        for event in model.serverEvents {
            out += "        case .\(SwiftNames.identifier(event.name))(let payload): payload.encode(to: &writer)\n"
        }
        if model.serverEvents.isEmpty { out += "        default: break\n" }
        out += "        }\n    }\n}\n"
        return out
    }

    private func handlerProtocol() -> String {
        var out = "/// Handles client events: one method per event, returning its acknowledgement when it has one.\n"
        out += "public protocol ClientEventHandler: Sendable {\n"
        for event in model.clientEvents {
            out +=
                "    func \(SwiftNames.identifier(event.name))(_ payload: \(event.payload), caller: Caller, context: APIContext) async throws\(event.ack.map { " -> \($0)" } ?? "")\n"
        }
        out += "}\n\n"
        out += "extension ClientEventHandler {\n"
        out += "    /// Runs the method for `event`; the acknowledgement, if the event has one.\n"
        out += "    public func handle(_ event: ClientEvent, caller: Caller, context: APIContext) async throws -> (any JSONEncodable)? {\n"
        out += "        switch event {\n"
        for event in model.clientEvents {
            let call = "try await \(SwiftNames.identifier(event.name))(payload, caller: caller, context: context)"
            if event.ack != nil {
                out += "        case .\(SwiftNames.identifier(event.name))(let payload): return \(call)\n"
            } else {
                out += "        case .\(SwiftNames.identifier(event.name))(let payload):\n            \(call)\n            return nil\n"
            }
        }
        if model.clientEvents.isEmpty { out += "        default: return nil\n" }
        out += "        }\n    }\n}\n"
        return out
    }
}
