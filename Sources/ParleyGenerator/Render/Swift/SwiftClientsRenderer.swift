/// A client per service that conforms to the service's own protocol, so a gateway can hold either the
/// in-process handler or a remote one behind the same type.
struct SwiftClientsRenderer {
    let model: APIModel

    func render() -> String {
        model.services.map(render).joined(separator: "\n")
    }

    private func render(_ service: Service) -> String {
        let namespace = SwiftNames.namespace(of: service)
        var out = "/// Calls the `\(service.name)` service over HTTP.\n"
        out += "public struct \(SwiftNames.client(of: service)): \(SwiftNames.api(of: service)) {\n"
        out += "    public let transport: any APITransport\n\n"
        out += "    public init(transport: any APITransport) { self.transport = transport }\n"
        for route in service.routes {
            let operation = "\(namespace).\(SwiftNames.operation(of: route))"
            let hasCaller = model.hasCaller(route)
            let mutates = hasCaller || !route.query.isEmpty || !route.cookies.isEmpty || route.body != nil
            out += "\n    /// The HTTP request for `\(route.name)`.\n"
            out += "    public static func request(for input: \(operation).Input, context: APIContext) -> APIClientRequest {\n"
            out +=
                "        \(mutates ? "var" : "let") request = APIClientRequest(method: .\(route.method.rawValue.lowercased()), path: \(pathExpression(route, service)), context: context)\n"
            if hasCaller { out += "        request.forward(caller: input.caller)\n" }
            for property in route.query {
                out += "        request.addQuery(\(SwiftNames.stringLiteral(property.name)), input.query.\(SwiftNames.identifier(property.name)))\n"
            }
            for property in route.cookies {
                out +=
                    "        request.addCookie(\(SwiftNames.stringLiteral(property.name)), input.cookies.\(SwiftNames.identifier(property.name)))\n"
            }
            if route.body != nil { out += "        request.setJSONBody(input.body)\n" }
            out += "        return request\n"
            out += "    }\n"
            out +=
                "\n    public func \(SwiftNames.identifier(route.name))(_ input: \(operation).Input, context: APIContext) async throws -> APIResponse<\(route.response)> {\n"
            out +=
                "        try await transport.send(Self.request(for: input, context: context)).decode(\(route.response).self, statuses: \(operation).statuses)\n"
            out += "    }\n"
        }
        out += "}\n"
        return out
    }

    /// The full path as a Swift expression, parameters escaped.
    private func pathExpression(_ route: Route, _ service: Service) -> String {
        let segments = route.fullPath(in: service).split(separator: "/").map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            return "\\(APIClientRequest.escape(input.path.\(SwiftNames.identifier(String(segment.dropFirst()))).text))"
        }
        return "\"/" + segments.joined(separator: "/") + "\""
    }
}
