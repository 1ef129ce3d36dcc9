import ParleyJSON

/// Renders the Socket.IO events as an AsyncAPI 3.0 document, `asyncapi.json`: one channel per event (its
/// address is the event name), client-to-server events as operations the server receives (acknowledged ones
/// with a `reply`), server-to-client events as operations the server sends.
public enum AsyncAPIRenderer {
    public static let path = "asyncapi.json"

    public static func render(_ model: APIModel) -> GeneratedFile {
        GeneratedFile(path: path, contents: document(model).serialized(pretty: true))
    }

    private enum Direction { case clientToServer, serverToClient }

    static func document(_ model: APIModel) -> JSONValue {
        // The AsyncAPI schema format is a superset of JSON Schema draft 07, where keywords beside `$ref` are ignored.
        let builder = JSONSchemaBuilder(model: model, allowsRefSiblings: false)
        let scheme = socketSecurityScheme(model)

        var root = JSONObject()
        root["x-generated"] = .string(GeneratedHeader.text)
        root["asyncapi"] = "3.0.0"
        var info = JSONObject()
        info["title"] = .string(model.info.title + " real-time events")
        info["version"] = .string(model.info.version)
        info["description"] = .string(
            [
                model.info.description,
                "Socket.IO v5 over Engine.IO v4 at `/socket.io/` on the gateway. Connect with `auth: {token: accessToken}`; "
                    + "a bad token gets a `CONNECT_ERROR` with `{message, data: {code: \"UNAUTHORIZED\"}}`. "
                    + "Each channel is one event, its address the event name; acknowledgements are replies on the same channel.",
                GeneratedHeader.text,
            ].compactMap { $0 }.joined(separator: "\n\n")
        )
        root["info"] = .object(info)
        root["defaultContentType"] = "application/json"
        root["servers"] = [
            "gateway": [
                "host": "localhost:8080",
                "protocol": "ws",
                "pathname": "/socket.io/",
                "description": "The gateway's Socket.IO endpoint.",
                "security": [["$ref": .string("#/components/securitySchemes/" + scheme.name)]],
            ]
        ]

        // Channel and message ids are derived from event names; an event name used in both directions shares
        // its channel.
        var channels = JSONObject()
        var operations = JSONObject()
        var messages = JSONObject()
        var usedMessageIds = Set<String>()
        func uniqueMessageId(_ base: String) -> String {
            var id = base
            var n = 2
            while usedMessageIds.contains(id) {
                id = base + String(n)
                n += 1
            }
            usedMessageIds.insert(id)
            return id
        }

        let all = model.clientEvents.map { ($0, Direction.clientToServer) } + model.serverEvents.map { ($0, Direction.serverToClient) }
        for (event, direction) in all {
            let channelId = Naming.lowerCamel(event.name)
            var channel =
                channels[channelId]?.objectValue
                ?? {
                    var c = JSONObject()
                    c["address"] = .string(event.name)
                    if let description = event.description { c["description"] = .string(description) }
                    c["messages"] = .object(JSONObject())
                    return c
                }()
            var channelMessages = channel["messages"]?.objectValue ?? JSONObject()

            let payloadId = uniqueMessageId(
                Naming.lowerCamel(event.name) + (direction == .serverToClient && channelMessages.count > 0 ? "FromServer" : "")
            )
            messages[payloadId] = message(
                name: event.name,
                title: event.name,
                description: event.description,
                payload: event.payload,
                builder: builder
            )
            channelMessages[payloadId] = ["$ref": .string("#/components/messages/" + payloadId)]

            var ackId: String?
            if let ack = event.ack {
                let id = uniqueMessageId(Naming.lowerCamel(event.name) + "Ack")
                messages[id] = message(
                    name: event.name,
                    title: event.name + " acknowledgement",
                    description: "The acknowledgement of `\(event.name)`.",
                    payload: ack,
                    builder: builder
                )
                channelMessages[id] = ["$ref": .string("#/components/messages/" + id)]
                ackId = id
            }
            channel["messages"] = .object(channelMessages)
            channels[channelId] = .object(channel)

            var operation = JSONObject()
            let channelRef = "#/channels/" + channelId
            switch direction {
            case .clientToServer:
                operation["action"] = "receive"
                operation["summary"] = .string("A client emits `\(event.name)`.")
            case .serverToClient:
                operation["action"] = "send"
                operation["summary"] = .string("The server emits `\(event.name)`.")
            }
            operation["channel"] = ["$ref": .string(channelRef)]
            if let description = event.description { operation["description"] = .string(description) }
            operation["messages"] = [["$ref": .string(channelRef + "/messages/" + payloadId)]]
            if let ackId {
                operation["reply"] = [
                    "channel": ["$ref": .string(channelRef)],
                    "messages": [["$ref": .string(channelRef + "/messages/" + ackId)]],
                ]
            }
            let operationId = (direction == .clientToServer ? "receive" : "send") + Naming.upperCamel(event.name)
            operations[operationId] = .object(operation)
        }
        root["channels"] = .object(channels)
        root["operations"] = .object(operations)

        var components = JSONObject()
        components["schemas"] = .object(builder.componentSchemas())
        components["messages"] = .object(messages)
        var securitySchemes = JSONObject()
        securitySchemes[scheme.name] = scheme.value
        components["securitySchemes"] = .object(securitySchemes)
        root["components"] = .object(components)
        return .object(root)
    }

    static func message(name: String, title: String, description: String?, payload: String, builder: JSONSchemaBuilder) -> JSONValue {
        var out = JSONObject()
        out["name"] = .string(name)
        out["title"] = .string(title)
        if let description { out["description"] = .string(description) }
        out["contentType"] = "application/json"
        out["payload"] = builder.ref(payload)
        return .object(out)
    }

    /// The handshake credential: the model's bearer scheme (its name and format), sent as `auth: {token}`.
    static func socketSecurityScheme(_ model: APIModel) -> (name: String, value: JSONValue) {
        var name = "bearer"
        var format: String? = "JWT"
        for scheme in model.securitySchemes {
            if case .bearer(let f) = scheme.kind {
                name = scheme.name
                format = f
                break
            }
        }
        var out = JSONObject()
        out["type"] = "http"
        out["scheme"] = "bearer"
        if let format { out["bearerFormat"] = .string(format) }
        out["description"] = "The access token, sent in the Socket.IO handshake as `auth: {token: accessToken}`."
        return (name, .object(out))
    }
}
