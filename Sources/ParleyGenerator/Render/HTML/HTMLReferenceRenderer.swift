/// A browsable reference of the whole API as one static HTML page, `reference.html`: REST routes with their inputs,
/// answers and errors, socket events, and every type with its fields and constraints. No script, one stylesheet
/// inline; the server serves it at `/docs`.
public enum HTMLReferenceRenderer {
    public static func render(_ model: APIModel) -> GeneratedFile {
        var page = Page(model: model)
        page.render()
        return GeneratedFile(path: "reference.html", contents: page.out)
    }
}

private struct Page {
    let model: APIModel
    var out = ""

    init(model: APIModel) { self.model = model }

    mutating func render() {
        let title = escape(model.info.title) + " API " + escape(model.info.version)
        out += """
            <!doctype html>
            <!-- \(GeneratedHeader.text) -->
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            :root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --code: rgba(127,127,127,.12); }
            body { font: 15px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
            nav { columns: 16rem; font-size: .9rem; } nav a { display: block; }
            h2 { border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2.5rem; }
            section { border: 1px solid var(--line); border-radius: .5rem; padding: .25rem 1rem .75rem; margin: 1rem 0; }
            code { background: var(--code); padding: 0 .25rem; border-radius: .25rem; }
            table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { text-align: left; vertical-align: top;
            padding: .25rem .5rem; border-bottom: 1px solid var(--line); } .muted { color: var(--muted); }
            .method { font-weight: 700; font-family: monospace; }
            </style>
            </head>
            <body>
            <h1>\(title)</h1>

            """
        if let description = model.info.description { out += "<p>\(escape(description))</p>\n" }
        renderContents()
        renderConventions()
        for service in model.services where !service.isInternal { renderService(service) }
        renderEvents()
        renderTypes()
        out += "</body>\n</html>\n"
    }

    private mutating func renderContents() {
        out += "<nav aria-label=\"Contents\">\n<a href=\"#conventions\">Conventions</a>\n"
        for service in model.services where !service.isInternal {
            out += "<a href=\"#service-\(service.name)\">\(escape(service.basePath))</a>\n"
        }
        out += "<a href=\"#events\">Socket events</a>\n<a href=\"#types\">Types</a>\n</nav>\n"
    }

    private mutating func renderConventions() {
        out += "<h2 id=\"conventions\">Conventions</h2>\n<h3>Authentication</h3>\n<ul>\n"
        for scheme in model.securitySchemes {
            let how =
                switch scheme.kind {
                case .bearer(let format): "<code>Authorization: Bearer &lt;token&gt;</code>" + (format.map { " (\(escape($0)))" } ?? "")
                case .cookie(let name): "cookie <code>\(escape(name))</code>"
                case .header(let name): "header <code>\(escape(name))</code>"
                }
            out += "<li><b>\(escape(scheme.name))</b>: \(how)\(scheme.description.map { " — " + escape($0) } ?? "")</li>\n"
        }
        out +=
            "</ul>\n<h3>Errors</h3>\n<p>Every error has the body <code>{\"error\": {\"statusCode\", \"code\", \"message\", \"details\"?}}</code>; "
            + "<code>details</code> lists <code>{path, message}</code> for validation failures.</p>\n<table>\n<tr><th>status</th><th>code</th></tr>\n"
        for status in ErrorCatalog.codes.keys.sorted() {
            out += "<tr><td>\(status)</td><td><code>\(ErrorCatalog.codes[status] ?? "")</code></td></tr>\n"
        }
        out += "</table>\n"
    }

    private mutating func renderService(_ service: Service) {
        out += "<h2 id=\"service-\(service.name)\">\(escape(service.basePath))</h2>\n"
        if let description = service.description { out += "<p>\(escape(description))</p>\n" }
        for route in service.routes {
            out +=
                "<section id=\"\(service.name)-\(route.name)\">\n<h3><span class=\"method\">\(route.method.rawValue)</span> "
                + "<code>\(escape(route.fullPath(in: service)))</code></h3>\n"
            if let summary = route.summary { out += "<p><b>\(escape(summary))</b></p>\n" }
            if let description = route.description { out += "<p>\(escape(description))</p>\n" }
            out += "<p class=\"muted\">Auth: \(route.security.map { "<code>\(escape($0))</code>" } ?? "none")</p>\n"
            renderFields("Path parameters", route.params)
            renderFields("Query", route.query)
            renderFields("Cookies", route.cookies)
            if let body = route.body { out += "<p>Body: \(typeLink(body))</p>\n" }
            out += "<p>Answer: \(route.statuses.map(String.init).joined(separator: " or ")) \(typeLink(route.response))"
            if !route.setsCookies.isEmpty { out += ", sets \(route.setsCookies.map { "<code>\(escape($0))</code>" }.joined(separator: ", "))" }
            out +=
                "</p>\n<p>Errors: \(route.allErrors.map { "\($0) <code>\(ErrorCatalog.codes[$0] ?? "")</code>" }.joined(separator: ", "))</p>\n</section>\n"
        }
    }

    private mutating func renderEvents() {
        out +=
            "<h2 id=\"events\">Socket events</h2>\n<p>Socket.IO v5 over Engine.IO v4 at <code>/socket.io/</code>, "
            + "authenticated with <code>auth: {token}</code>.</p>\n"
        for (title, events) in [("Client to server", model.clientEvents), ("Server to client", model.serverEvents)] {
            out += "<h3>\(title)</h3>\n<table>\n<tr><th>event</th><th>payload</th><th>acknowledgement</th><th></th></tr>\n"
            for event in events {
                out +=
                    "<tr><td><code>\(escape(event.name))</code></td><td>\(typeLink(event.payload))</td>"
                    + "<td>\(event.ack.map(typeLink) ?? "<span class=\"muted\">none</span>")</td><td>\(escape(event.description ?? ""))</td></tr>\n"
            }
            out += "</table>\n"
        }
    }

    private mutating func renderTypes() {
        out += "<h2 id=\"types\">Types</h2>\n"
        for type in model.types {
            out += "<section id=\"type-\(type.name)\">\n<h3><code>\(type.name)</code></h3>\n"
            if let description = type.description { out += "<p>\(escape(description))</p>\n" }
            switch type.kind {
            case .enumeration(let values):
                out += "<p>One of: \(values.map { "<code>\(escape($0))</code>" }.joined(separator: ", "))</p>\n"
            case .object(let properties):
                renderFields(nil, properties)
            }
            out += "</section>\n"
        }
    }

    private mutating func renderFields(_ title: String?, _ properties: [Property]) {
        guard !properties.isEmpty else { return }
        if let title { out += "<p>\(title):</p>\n" }
        out += "<table>\n<tr><th>name</th><th>type</th><th>rules</th><th>description</th></tr>\n"
        for property in properties {
            var rules = constraints(property.field)
            if property.isOptional, property.defaultValue == nil { rules.insert("optional", at: 0) }
            if property.isNullable { rules.insert("may be null", at: 0) }
            if let value = property.defaultValue { rules.insert("default \(literal(value))", at: 0) }
            out +=
                "<tr><td><code>\(escape(property.name))</code></td><td>\(typeName(property.field))</td>"
                + "<td>\(rules.map(escape).joined(separator: "; "))</td><td>\(escape(property.description ?? ""))</td></tr>\n"
        }
        out += "</table>\n"
    }

    private func typeName(_ field: Field) -> String {
        switch field {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .objectId: "ObjectId"
        case .dateTime: "date-time"
        case .email: "email"
        case .url: "URL"
        case .json: "any JSON"
        case .array(_, let items): "array of " + typeName(items)
        case .ref(let name): typeLink(name)
        }
    }

    private func constraints(_ field: Field) -> [String] {
        func length(_ min: Int?, _ max: Int?) -> [String] {
            switch (min, max) {
            case let (min?, max?): ["\(min)–\(max) characters"]
            case let (min?, nil): ["at least \(min) characters"]
            case let (nil, max?): ["at most \(max) characters"]
            case (nil, nil): []
            }
        }
        switch field {
        case .string(let c):
            var rules = length(c.minLength, c.maxLength)
            if let pattern = c.pattern { rules.append(c.patternMessage ?? "matches \(pattern)") }
            if let values = c.enumeration { rules.append("one of " + values.joined(separator: ", ")) }
            return rules
        case .email(let c): return length(c.minLength, c.maxLength)
        case .url(let c):
            return ["scheme " + c.schemes.joined(separator: " or ")] + (c.allowsRelative ? ["or a path starting with /"] : [])
                + length(nil, c.maxLength)
        case .integer(let c), .number(let c):
            return [c.minimum.map { "≥ \(number($0))" }, c.maximum.map { "≤ \(number($0))" }].compactMap { $0 }
        case .array(let c, let items):
            var rules: [String] = []
            if let min = c.minItems { rules.append("at least \(min) items") }
            if let max = c.maxItems { rules.append("at most \(max) items") }
            if c.uniqueItems { rules.append("no duplicates") }
            return rules + constraints(items).map { "each: " + $0 }
        case .objectId: return ["24 lowercase hex characters"]
        case .dateTime: return ["ISO 8601 UTC with milliseconds"]
        case .boolean, .json, .ref: return []
        }
    }

    private func typeLink(_ name: String) -> String { "<a href=\"#type-\(name)\"><code>\(name)</code></a>" }

    private func number(_ value: Double) -> String { Int(exactly: value).map(String.init) ?? String(value) }

    private func literal(_ value: DefaultValue) -> String {
        switch value {
        case .string(let s): "\"\(s)\""
        case .integer(let i): String(i)
        case .number(let d): number(d)
        case .boolean(let b): String(b)
        }
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
