/// One handler protocol per service, one method per route, and the typed input of each route.
struct SwiftServicesRenderer {
    let model: APIModel

    func render() -> String {
        model.services.map(renderService).joined(separator: "\n")
    }

    private func renderService(_ service: Service) -> String {
        let namespace = SwiftNames.namespace(of: service)
        var out = "// MARK: - \(service.name)\n\n"
        out += SwiftNames.doc(service.description, indent: "")
        out += "/// Implement every method to serve the `\(service.name)` service; a route added to the schema is a new requirement.\n"
        out += "public protocol \(SwiftNames.api(of: service)): Sendable {\n"
        for route in service.routes {
            out += SwiftNames.doc(route.summary, indent: "    ")
            out += "    /// `\(route.method.rawValue) \(route.fullPath(in: service))`\n"
            out +=
                "    func \(SwiftNames.identifier(route.name))(_ input: \(namespace).\(SwiftNames.operation(of: route)).Input, context: APIContext) async throws -> APIResponse<\(route.response)>\n"
        }
        out += "}\n\n"

        out += "public enum \(namespace) {\n"
        out += "    /// Every route of the service, for the gateway's 405 answers and route listings.\n"
        out += "    public static let routes: [APIRouteDescriptor] = [\n"
        for route in service.routes {
            let security = route.security.map { ", security: \(SwiftNames.stringLiteral($0))" } ?? ""
            out +=
                "        APIRouteDescriptor(method: .\(route.method.rawValue.lowercased()), path: \(SwiftNames.stringLiteral(route.fullPath(in: service))), operation: \(SwiftNames.stringLiteral("\(service.name).\(route.name)"))\(security)),\n"
        }
        out += "    ]\n"
        for route in service.routes {
            out += "\n" + renderOperation(route, service: service)
        }
        out += "}\n"
        return out
    }

    private struct Member {
        var name: String
        var type: String
        /// Groups whose members are all optional can be left out when building an input.
        var defaultsToEmpty = false
    }

    private func renderOperation(_ route: Route, service: Service) -> String {
        let indent = "        "
        var out = "    public enum \(SwiftNames.operation(of: route)) {\n"
        out += "        public static let statuses = [\(route.statuses.map(String.init).joined(separator: ", "))]\n\n"
        var members: [Member] = []
        if model.hasCaller(route) {
            members.append(Member(name: "caller", type: "Caller"))
        }
        for (type, properties, label) in [("Path", route.params, "path"), ("Query", route.query, "query"), ("Cookies", route.cookies, "cookies")]
        where !properties.isEmpty {
            out += "\(indent)public struct \(type): Sendable, Hashable {\n"
            out += StoredProperties.declarations(properties, indent: indent + "    ")
            out += StoredProperties.initializer(properties, indent: indent + "    ")
            out += "\(indent)}\n\n"
            members.append(Member(name: label, type: type, defaultsToEmpty: properties.allSatisfy { !$0.isRequired }))
        }
        if let body = route.body { members.append(Member(name: "body", type: body)) }

        out += "\(indent)public struct Input: Sendable {\n"
        for member in members { out += "\(indent)    public var \(member.name): \(member.type)\n" }
        let params = members.map { "\($0.name): \($0.type)\($0.defaultsToEmpty ? " = .init()" : "")" }
        out += "\(indent)    public init(\(params.joined(separator: ", "))) {\n"
        for member in members { out += "\(indent)        self.\(member.name) = \(member.name)\n" }
        out += "\(indent)    }\n"
        out += "\(indent)}\n"
        out += "    }\n"
        return out
    }
}
