/// `events.ts`: the Socket.IO event maps in the shape socket.io-client's
/// `Socket<ServerToClientEvents, ClientToServerEvents>` takes, and the lists of event names.
enum TypeScriptEvents {
    static let reservedNames: Set<String> = [
        "ClientToServerEvents", "ServerToClientEvents", "ClientEventName", "ServerEventName",
    ]

    static func render(_ model: APIModel) -> String {
        var imports = TSImports(reserved: reservedNames)
        var body = "\n/** Events a client emits; an acknowledged one takes a callback for the server's answer. */\n"
        body += eventMap("ClientToServerEvents", model.clientEvents, imports: &imports)
        body += "\n/** Events the server emits to clients. */\n"
        body += eventMap("ServerToClientEvents", model.serverEvents, imports: &imports)
        body += "\n/** Names of the events a client may emit. */\n"
        body += nameList("clientEventNames", model.clientEvents)
        body += "export type ClientEventName = (typeof clientEventNames)[number];\n"
        body += "\n/** Names of the events the server emits. */\n"
        body += nameList("serverEventNames", model.serverEvents)
        body += "export type ServerEventName = (typeof serverEventNames)[number];\n"
        return "// \(GeneratedHeader.text)\n\n" + imports.statement + body
    }

    static func eventMap(_ name: String, _ events: [Event], imports: inout TSImports) -> String {
        guard !events.isEmpty else { return "export interface \(name) {}\n" }
        var out = "export interface \(name) {\n"
        for event in events {
            out += TSSyntax.doc(event.description.map { [$0] } ?? [], indent: "  ")
            let payload = imports.name(event.payload)
            if let ack = event.ack {
                out += "  \(TSSyntax.literal(event.name)): (payload: \(payload), ack: (res: \(imports.name(ack))) => void) => void;\n"
            } else {
                out += "  \(TSSyntax.literal(event.name)): (payload: \(payload)) => void;\n"
            }
        }
        return out + "}\n"
    }

    static func nameList(_ name: String, _ events: [Event]) -> String {
        guard !events.isEmpty else { return "export const \(name) = [] as const;\n" }
        return "export const \(name) = [\n" + events.map { "  \(TSSyntax.literal($0.name)),\n" }.joined() + "] as const;\n"
    }
}
