/// Route tables: each route registered on a Hummingbird router, with authentication, decoding and
/// validation done before the handler runs, and its answer encoded after.
struct SwiftRoutesRenderer {
    let model: APIModel

    func render(patterns: inout PatternTable) -> String {
        model.services.map { render($0, patterns: &patterns) }.joined(separator: "\n")
    }

    private func render(_ service: Service, patterns: inout PatternTable) -> String {
        var out = "extension \(SwiftNames.api(of: service)) {\n"
        out += "    /// Registers every route of the `\(service.name)` service on `router`.\n"
        out += "    public func registerRoutes<Context: APIRequestContext>(on router: Router<Context>, security: any APISecurity) {\n"
        for route in service.routes {
            out += renderRoute(route, service: service, patterns: &patterns)
        }
        out += "    }\n}\n"
        return out
    }

    /// Parameters are registered by position (`/api/messages/:p2`): Hummingbird's router needs one name per
    /// position, while the schema may name it `chatId` for one method and `messageId` for another.
    private func renderRoute(_ route: Route, service: Service, patterns: inout PatternTable) -> String {
        let i = "            "
        let operation = "\(SwiftNames.namespace(of: service)).\(SwiftNames.operation(of: route))"
        let segments = route.fullPath(in: service).split(separator: "/")
        var positions: [String: String] = [:]
        let routerPath =
            "/"
            + segments.enumerated().map { index, segment -> String in
                guard segment.hasPrefix(":") else { return String(segment) }
                positions[String(segment.dropFirst())] = "p\(index)"
                return ":p\(index)"
            }.joined(separator: "/")
        var out = "        router.on(\(SwiftNames.stringLiteral(routerPath)), method: .\(route.method.rawValue.lowercased())) { request, context in\n"
        if route.body != nil { out += "\(i)var request = request\n" }
        out += "\(i)let api = APIContext(request: request, context: context)\n"

        var args: [String] = []
        if let schemeName = route.security, let scheme = model.securityScheme(named: schemeName) {
            switch scheme.kind {
            case .bearer:
                out += "\(i)let caller = try await security.caller(from: request, context: context, api: api)\n"
                args.append("caller: caller")
            case .header(let name):
                out +=
                    "\(i)try await security.verify(scheme: \(SwiftNames.stringLiteral(schemeName)), header: \(SwiftNames.stringLiteral(name)), request: request, context: api)\n"
            case .cookie(let name):
                out +=
                    "\(i)try await security.verify(scheme: \(SwiftNames.stringLiteral(schemeName)), cookie: \(SwiftNames.stringLiteral(name)), request: request, context: api)\n"
            }
        }
        if route.body != nil { out += "\(i)let json = try await request.jsonBody()\n" }
        let hasInput = !route.params.isEmpty || !route.query.isEmpty || !route.cookies.isEmpty || route.body != nil
        var unwraps: [String] = []
        if hasInput { out += "\(i)var v_ = Validation()\n" }

        func group(_ properties: [Property], source: (String) -> String, section: String, label: String, type: String) {
            guard !properties.isEmpty else { return }
            var members: [String] = []
            for property in properties {
                let local = "\(section)_\(SwiftNames.bare(property.name))"
                let key = SwiftNames.stringLiteral(property.name)
                let base = SwiftNames.type(of: property.field)
                let reader = property.isRequired ? "requiredText" : "text"
                out += "\(i)let \(local): \(base)? = v_.\(reader)(\(source(property.name)), \(key), at: \(SwiftNames.stringLiteral(section)))\n"
                let checks = ConstraintChecks.statements(
                    for: property.field,
                    value: "value_",
                    path: SwiftNames.stringLiteral(section),
                    key: key,
                    indent: i + "    ",
                    patterns: &patterns
                )
                if !checks.isEmpty { out += "\(i)if let value_ = \(local) {\n" + checks.joined(separator: "\n") + "\n\(i)}\n" }
                if property.isRequired { unwraps.append(local) }
                let value = property.defaultValue.map { "\(local) ?? \(SwiftNames.literal($0, for: property.field))" } ?? local
                members.append("\(SwiftNames.identifier(property.name)): \(value)")
            }
            args.append("\(label): \(operation).\(type)(\(members.joined(separator: ", ")))")
        }
        group(
            route.params,
            source: { "context.parameters.get(\(SwiftNames.stringLiteral(positions[$0] ?? $0)))" },
            section: "params",
            label: "path",
            type: "Path"
        )
        group(route.query, source: { "v_.query(request, \(SwiftNames.stringLiteral($0)))" }, section: "query", label: "query", type: "Query")
        group(
            route.cookies,
            source: { "request.cookies[\(SwiftNames.stringLiteral($0))]?.value" },
            section: "cookies",
            label: "cookies",
            type: "Cookies"
        )
        if let body = route.body {
            out += "\(i)let body = v_.body(json, as: \(body).self)\n"
            unwraps.append("body")
            args.append("body: body")
        }
        if hasInput {
            out += "\(i)guard v_.issues.isEmpty\(unwraps.map { ", let \($0)" }.joined()) else { throw APIError.validation(v_.issues) }\n"
        }
        out += "\(i)let input = \(operation).Input(\(args.joined(separator: ", ")))\n"
        // A service in another process answers in the route's own JSON: passed on as it came, not decoded and encoded again.
        let client = SwiftNames.client(of: service)
        out += "\(i)if let client = self as? \(client) {\n"
        out +=
            "\(i)    return try await client.transport.send(\(client).request(for: input, context: api)).passthrough(statuses: \(operation).statuses)\n"
        out += "\(i)}\n"
        out += "\(i)return try await self.\(SwiftNames.identifier(route.name))(input, context: api).httpResponse(statuses: \(operation).statuses)\n"
        out += "        }\n"
        return out
    }
}
