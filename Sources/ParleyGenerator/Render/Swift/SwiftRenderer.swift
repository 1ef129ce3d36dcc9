/// Renders the Swift API module: models with validation, one handler protocol per service, route tables,
/// service clients and socket event types. The build plugin writes these files on every build.
public enum SwiftRenderer {
    /// The files it writes, always the same names, so that the build plugin can declare them up front.
    public static let fileNames = ["Types.swift", "Services.swift", "Routes.swift", "Clients.swift", "Events.swift", "Documents.swift"]

    public static func render(_ model: APIModel) -> [GeneratedFile] {
        var patterns = PatternTable()
        let types = SwiftTypesRenderer(model: model).render(patterns: &patterns)
        let services = SwiftServicesRenderer(model: model).render()
        let routes = SwiftRoutesRenderer(model: model).render(patterns: &patterns)
        let clients = SwiftClientsRenderer(model: model).render()
        let events = SwiftEventsRenderer(model: model).render()
        return [
            file("Types.swift", imports: ["Foundation"], types + patterns.render()),
            file("Services.swift", imports: ["Foundation", "HTTPTypes"], services),
            file("Routes.swift", imports: ["Hummingbird"], routes),
            file("Clients.swift", imports: [], clients),
            file("Events.swift", imports: [], events),
            file("Documents.swift", imports: [], documents(model)),
        ]
    }

    /// The OpenAPI, AsyncAPI and HTML documents of this very schema, for a server to serve: always those of the API
    /// it was built with.
    private static func documents(_ model: APIModel) -> String {
        let entries = [
            ("openAPI", "OpenAPI 3.1 (`openapi.json`).", OpenAPIRenderer.render(model)),
            ("asyncAPI", "AsyncAPI 3 (`asyncapi.json`).", AsyncAPIRenderer.render(model)),
            ("reference", "The HTML reference (`reference.html`).", HTMLReferenceRenderer.render(model)),
        ]
        var out =
            "/// The schema's `info`.\npublic enum APIInfo {\n"
            + "    public static let title = \(SwiftNames.stringLiteral(model.info.title))\n"
            + "    public static let version = \(SwiftNames.stringLiteral(model.info.version))\n}\n\n"
        out += "/// The API's documents, as `Generated/` holds them.\npublic enum APIDocuments {\n"
        for (name, doc, file) in entries {
            out += "    /// \(doc)\n    public static let \(name) = \(rawLiteral(file.contents))\n"
        }
        return out + "}\n"
    }

    /// A multi-line raw string literal whose delimiter appears nowhere in `text`.
    private static func rawLiteral(_ text: String) -> String {
        var longest = 0
        var run = 0
        for character in text {
            run = character == "#" ? run + 1 : 0
            longest = max(longest, run)
        }
        let hashes = String(repeating: "#", count: longest + 1)
        // The line break before the closing delimiter is not part of the value.
        return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
    }

    private static func file(_ name: String, imports: [String], _ body: String) -> GeneratedFile {
        let header = "// \(GeneratedHeader.text)\n\n" + (imports + ["ParleyAPIRuntime"]).map { "import \($0)\n" }.joined()
        return GeneratedFile(path: name, contents: header + "\n" + body)
    }
}

/// The schema's regular expressions, compiled once each.
struct PatternTable {
    private struct Entry: Equatable {
        var source: String
        var message: String?
    }

    private var entries: [Entry] = []

    mutating func reference(_ source: String, message: String?) -> String {
        let entry = Entry(source: source, message: message)
        if let index = entries.firstIndex(of: entry) { return "SchemaPatterns.p\(index)" }
        entries.append(entry)
        return "SchemaPatterns.p\(entries.count - 1)"
    }

    func render() -> String {
        guard !entries.isEmpty else { return "" }
        var out = "enum SchemaPatterns {\n"
        for (i, entry) in entries.enumerated() {
            let message = entry.message.map { ", message: \(SwiftNames.stringLiteral($0))" } ?? ""
            out += "    static let p\(i) = Pattern(\(SwiftNames.stringLiteral(entry.source))\(message))\n"
        }
        return out + "}\n"
    }
}

/// Validation statements for a field's constraints, shared by models and route parameters.
enum ConstraintChecks {
    /// Statements checking `value` (a non-optional expression) found at `path` under `key` (both Swift expressions).
    static func statements(
        for field: Field,
        value: String,
        path: String,
        key: String,
        indent: String,
        depth: Int = 0,
        patterns: inout PatternTable
    ) -> [String] {
        switch field {
        case .string(let c):
            var args: [String] = []
            if let v = c.minLength { args.append("minLength: \(v)") }
            if let v = c.maxLength { args.append("maxLength: \(v)") }
            if let p = c.pattern { args.append("pattern: \(patterns.reference(p, message: c.patternMessage))") }
            if let e = c.enumeration { args.append("oneOf: [\(e.map(SwiftNames.stringLiteral).joined(separator: ", "))]") }
            guard !args.isEmpty else { return [] }
            return ["\(indent)v_.check(\(value), at: \(path), \(key), \(args.joined(separator: ", ")))"]
        case .email(let c):
            var args: [String] = []
            if let v = c.minLength { args.append("minLength: \(v)") }
            if let v = c.maxLength { args.append("maxLength: \(v)") }
            return ["\(indent)v_.checkEmail(\(value), at: \(path), \(key)\(args.isEmpty ? "" : ", " + args.joined(separator: ", ")))"]
        case .url(let c):
            let max = c.maxLength.map { ", maxLength: \($0)" } ?? ""
            let pattern = patterns.reference(JSONSchemaBuilder.urlPattern(c), message: JSONSchemaBuilder.urlMessage(c))
            return ["\(indent)v_.checkURL(\(value), at: \(path), \(key), pattern: \(pattern)\(max))"]
        case .integer(let c), .number(let c):
            let integer = if case .integer = field { true } else { false }
            var args: [String] = []
            if let v = c.minimum { args.append("minimum: \(SwiftNames.bound(v, integer: integer))") }
            if let v = c.maximum { args.append("maximum: \(SwiftNames.bound(v, integer: integer))") }
            guard !args.isEmpty else { return [] }
            return ["\(indent)v_.check(\(value), at: \(path), \(key), \(args.joined(separator: ", ")))"]
        case .array(let c, let element):
            var out: [String] = []
            var args: [String] = []
            if let v = c.minItems { args.append("minItems: \(v)") }
            if let v = c.maxItems { args.append("maxItems: \(v)") }
            if !args.isEmpty { out.append("\(indent)v_.check(\(value), at: \(path), \(key), \(args.joined(separator: ", ")))") }
            if c.uniqueItems { out.append("\(indent)v_.checkUnique(\(value), at: \(path), \(key))") }
            let index = "i\(depth)_"
            let item = "e\(depth)_"
            // `key` is a literal or an interpolation; extend it with the element index.
            let elementKey = String(key.dropLast()) + "[\\(\(index))]\""
            let inner = statements(
                for: element,
                value: item,
                path: path,
                key: elementKey,
                indent: indent + "    ",
                depth: depth + 1,
                patterns: &patterns
            )
            if !inner.isEmpty {
                out.append("\(indent)for (\(index), \(item)) in \(value).enumerated() {")
                out += inner
                out.append("\(indent)}")
            }
            return out
        case .boolean, .objectId, .dateTime, .json, .ref:
            return []
        }
    }
}
