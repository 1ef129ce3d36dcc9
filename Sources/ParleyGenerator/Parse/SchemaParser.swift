import Foundation
import ParleyJSON

/// Turns schema files into the API model, collecting every mistake with its file and JSON path.
public struct SchemaParser {
    public static func parse(_ source: SchemaSource) throws(SchemaError) -> APIModel {
        var parser = SchemaParser(source: source)
        let model = parser.run()
        guard parser.diagnostics.isEmpty, let model else {
            throw SchemaError(diagnostics: parser.diagnostics)
        }
        return model
    }

    static let builtinTypes: Set<String> = [
        "string", "integer", "number", "boolean", "objectId", "dateTime", "email", "url", "json", "array",
    ]
    static let scalarBuiltins: Set<String> = ["string", "integer", "number", "boolean", "objectId", "dateTime", "email", "url"]
    static let allowedErrors: Set<Int> = [400, 401, 403, 404, 405, 409, 413, 429, 500, 501, 503]

    private let source: SchemaSource
    private var diagnostics: [Diagnostic] = []
    private var file = ""
    /// Declared and hoisted type names, with where each was declared.
    private var typeLocations: [String: SourceLocation] = [:]
    private var enumTypes: Set<String> = []
    private var types: [TypeDecl] = []
    private var hoisted: [TypeDecl] = []
    private var securitySchemes: [SecurityScheme] = []

    private init(source: SchemaSource) { self.source = source }

    // MARK: - Diagnostics

    private mutating func error(_ path: JSONPath, _ message: String) {
        diagnostics.append(Diagnostic(file: displayName(file), path: path.description, message: message))
    }

    private func displayName(_ file: String) -> String { "\(source.displayRoot)/\(file)" }

    private func location(_ path: JSONPath) -> SourceLocation { SourceLocation(file: displayName(file), path: path.description) }

    /// Reports keys outside `allowed`; returns the object for convenience.
    private mutating func object(_ value: JSONValue, _ path: JSONPath, allowed: [String], what: String) -> JSONObject? {
        guard case .object(let object) = value else {
            error(path, "\(what) must be an object, found \(value.typeName)")
            return nil
        }
        for key in object.keys where !allowed.contains(key) {
            error(path.appending(key), "unknown key '\(key)' in \(what); expected one of: \(allowed.joined(separator: ", "))")
        }
        return object
    }

    private mutating func string(_ value: JSONValue?, _ path: JSONPath, what: String) -> String? {
        guard let value else { return nil }
        guard case .string(let s) = value else {
            error(path, "\(what) must be a string, found \(value.typeName)")
            return nil
        }
        return s
    }

    private mutating func bool(_ value: JSONValue?, _ path: JSONPath, what: String) -> Bool? {
        guard let value else { return nil }
        guard case .bool(let b) = value else {
            error(path, "\(what) must be true or false, found \(value.typeName)")
            return nil
        }
        return b
    }

    private mutating func count(_ value: JSONValue?, _ path: JSONPath, what: String) -> Int? {
        guard let value else { return nil }
        guard case .integer(let n) = value, n >= 0 else {
            error(path, "\(what) must be a non-negative integer")
            return nil
        }
        return n
    }

    private mutating func number(_ value: JSONValue?, _ path: JSONPath, what: String) -> Double? {
        guard let value else { return nil }
        guard let d = value.doubleValue else {
            error(path, "\(what) must be a number, found \(value.typeName)")
            return nil
        }
        return d
    }

    private mutating func stringList(_ value: JSONValue?, _ path: JSONPath, what: String, nonEmpty: Bool = false) -> [String]? {
        guard let value else { return nil }
        guard case .array(let items) = value else {
            error(path, "\(what) must be an array of strings, found \(value.typeName)")
            return nil
        }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                error(path.appending(i), "\(what) must contain only strings, found \(item.typeName)")
                continue
            }
            if result.contains(s) { error(path.appending(i), "duplicate value '\(s)' in \(what)") } else { result.append(s) }
        }
        if nonEmpty, items.isEmpty { error(path, "\(what) must not be empty") }
        return result
    }

    // MARK: - Files

    private mutating func parseFile(_ name: String) -> JSONObject? {
        file = name
        guard let text = source.files[name] else {
            error(.root, "file not found")
            return nil
        }
        do {
            let value = try JSONParser.parse(text)
            guard case .object(let object) = value else {
                error(.root, "a schema file must hold a JSON object, found \(value.typeName)")
                return nil
            }
            return object
        } catch {
            self.error(.root, "invalid JSON at \(error)")
            return nil
        }
    }

    private mutating func run() -> APIModel? {
        guard let entry = parseFile(source.entry),
            let entryObject = object(.object(entry), .root, allowed: ["$schema", "info", "security", "include"], what: "the entry file")
        else { return nil }
        let info = parseInfo(entryObject["info"], JSONPath.root.appending("info"))
        parseSecurity(entryObject["security"], JSONPath.root.appending("security"))
        let includes = parseIncludes(entryObject["include"], JSONPath.root.appending("include"))

        var parts: [(name: String, object: JSONObject)] = []
        for name in includes {
            guard let part = parseFile(name),
                let checked = object(.object(part), .root, allowed: ["$schema", "types", "services", "events"], what: "a schema file")
            else { continue }
            parts.append((name, checked))
        }

        // Pass 1: every type name, so that fields may refer to types declared later or in another file.
        for part in parts {
            file = part.name
            declareTypeNames(part.object)
        }
        // Pass 2: everything else.
        var services: [Service] = []
        var clientEvents: [Event] = []
        var serverEvents: [Event] = []
        for part in parts {
            file = part.name
            if let value = part.object["types"],
                let map = object(value, JSONPath.root.appending("types"), allowed: value.objectValue?.keys ?? [], what: "'types'")
            {
                for (name, def) in map.entries {
                    if let decl = parseTypeDecl(name: name, def, JSONPath.root.appending("types").appending(name)) { types.append(decl) }
                }
            }
            if let value = part.object["services"],
                let map = object(value, JSONPath.root.appending("services"), allowed: value.objectValue?.keys ?? [], what: "'services'")
            {
                for (name, def) in map.entries {
                    if let service = parseService(name: name, def, JSONPath.root.appending("services").appending(name)) {
                        if let other = services.first(where: { $0.name == name }) {
                            error(JSONPath.root.appending("services").appending(name), "service '\(name)' is already declared at \(other.location)")
                        } else {
                            services.append(service)
                        }
                    }
                }
            }
            if let value = part.object["events"] {
                parseEvents(value, JSONPath.root.appending("events"), client: &clientEvents, server: &serverEvents)
            }
        }
        checkRouteConflicts(services)
        guard let info else { return nil }
        return APIModel(
            info: info,
            securitySchemes: securitySchemes,
            types: types + hoisted,
            services: services,
            clientEvents: clientEvents,
            serverEvents: serverEvents
        )
    }

    private mutating func parseInfo(_ value: JSONValue?, _ path: JSONPath) -> Info? {
        guard let value else {
            error(.root, "missing 'info'")
            return nil
        }
        guard let info = object(value, path, allowed: ["title", "version", "description"], what: "'info'") else { return nil }
        let title = string(info["title"], path.appending("title"), what: "'title'")
        let version = string(info["version"], path.appending("version"), what: "'version'")
        if info["title"] == nil { error(path, "missing 'title'") }
        if info["version"] == nil { error(path, "missing 'version'") }
        guard let title, let version else { return nil }
        return Info(title: title, version: version, description: string(info["description"], path.appending("description"), what: "'description'"))
    }

    private mutating func parseSecurity(_ value: JSONValue?, _ path: JSONPath) {
        guard let value, let map = object(value, path, allowed: value.objectValue?.keys ?? [], what: "'security'") else { return }
        for (name, def) in map.entries {
            let p = path.appending(name)
            guard let def = object(def, p, allowed: ["type", "format", "name", "description"], what: "a security scheme") else { continue }
            let description = string(def["description"], p.appending("description"), what: "'description'")
            let schemeName = string(def["name"], p.appending("name"), what: "'name'")
            switch string(def["type"], p.appending("type"), what: "'type'") {
            case "bearer":
                securitySchemes.append(
                    SecurityScheme(
                        name: name,
                        kind: .bearer(format: string(def["format"], p.appending("format"), what: "'format'")),
                        description: description
                    )
                )
            case let kind? where kind == "cookie" || kind == "header":
                guard let schemeName else {
                    error(p, "a \(kind) security scheme needs 'name'")
                    continue
                }
                securitySchemes.append(
                    SecurityScheme(
                        name: name,
                        kind: kind == "cookie" ? .cookie(name: schemeName) : .header(name: schemeName),
                        description: description
                    )
                )
            case let other?:
                error(p.appending("type"), "unknown security scheme type '\(other)'; expected bearer, cookie or header")
            case nil:
                error(p, "missing 'type'")
            }
        }
    }

    private mutating func parseIncludes(_ value: JSONValue?, _ path: JSONPath) -> [String] {
        let includes = stringList(value, path, what: "'include'") ?? []
        if value == nil { error(.root, "missing 'include'") }
        for (i, name) in includes.enumerated() {
            if !name.hasSuffix(".json") || name.hasPrefix("/") || name.contains("..") {
                error(path.appending(i), "'\(name)' must be a .json path inside the schema folder")
            } else if source.files[name] == nil {
                error(path.appending(i), "included file '\(name)' does not exist")
            }
        }
        for present in source.presentFiles
        where present != source.entry && present != SchemaSource.metaSchemaFileName && !includes.contains(present) {
            diagnostics.append(
                Diagnostic(
                    file: displayName(present),
                    path: "$",
                    message: "this file is not listed in \(source.entry) 'include', so it would be ignored; add it there"
                )
            )
        }
        return includes.filter { source.files[$0] != nil }
    }

    // MARK: - Types

    private mutating func declareTypeNames(_ part: JSONObject) {
        if case .object(let map)? = part["types"] {
            for (name, def) in map.entries {
                let path = JSONPath.root.appending("types").appending(name)
                declareTypeName(name, path)
                if def["enum"] != nil { enumTypes.insert(name) }
            }
        }
        if case .object(let services)? = part["services"] {
            for (serviceName, service) in services.entries {
                guard case .object(let routes)? = service["routes"] else { continue }
                for (routeName, route) in routes.entries {
                    let path = JSONPath.root.appending("services").appending(serviceName).appending("routes").appending(routeName)
                    let prefix = Naming.upperCamel(serviceName) + Naming.upperCamel(routeName)
                    if route["body"]?.objectValue != nil { declareTypeName(prefix + "Body", path.appending("body")) }
                    if route["response"]?.objectValue != nil { declareTypeName(prefix + "Response", path.appending("response")) }
                }
            }
        }
        if case .object(let events)? = part["events"] {
            for (direction, map) in events.entries {
                guard case .object(let map) = map else { continue }
                for (name, event) in map.entries {
                    let path = JSONPath.root.appending("events").appending(direction).appending(name)
                    if event["payload"]?.objectValue != nil { declareTypeName(Naming.upperCamel(name) + "Payload", path.appending("payload")) }
                    if event["ack"]?.objectValue != nil { declareTypeName(Naming.upperCamel(name) + "Ack", path.appending("ack")) }
                }
            }
        }
    }

    private mutating func declareTypeName(_ name: String, _ path: JSONPath) {
        guard name.first?.isUppercase == true, name.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            error(path, "type name '\(name)' must be UpperCamelCase letters and digits")
            return
        }
        if let existing = typeLocations[name] {
            error(path, "type '\(name)' is already declared at \(existing)")
            return
        }
        typeLocations[name] = location(path)
    }

    private mutating func parseTypeDecl(name: String, _ value: JSONValue, _ path: JSONPath, inline: Bool = false) -> TypeDecl? {
        guard let def = object(value, path, allowed: inline ? ["description", "properties"] : ["description", "properties", "enum"], what: "a type")
        else { return nil }
        let description = string(def["description"], path.appending("description"), what: "'description'")
        if def["enum"] != nil, def["properties"] != nil {
            error(path, "a type has either 'properties' (an object) or 'enum' (an enumeration), not both")
            return nil
        }
        if let values = stringList(def["enum"], path.appending("enum"), what: "'enum'", nonEmpty: true) {
            return TypeDecl(name: name, description: description, kind: .enumeration(values), isInline: inline, location: location(path))
        }
        guard let propsValue = def["properties"] else {
            error(path, "a type needs 'properties' or 'enum'")
            return nil
        }
        let properties = parseProperties(propsValue, path.appending("properties"), context: .property)
        return TypeDecl(name: name, description: description, kind: .object(properties), isInline: inline, location: location(path))
    }

    enum FieldContext {
        case property, query, param, cookie, items
        var allowsOptional: Bool { self == .property || self == .query || self == .cookie }
        var allowsDefault: Bool { self == .property || self == .query }
        var scalarOnly: Bool { self == .query || self == .param || self == .cookie }
    }

    private mutating func parseProperties(_ value: JSONValue, _ path: JSONPath, context: FieldContext) -> [Property] {
        guard case .object(let map) = value else {
            error(path, "expected an object mapping names to fields, found \(value.typeName)")
            return []
        }
        var result: [Property] = []
        var swiftNames: [String: String] = [:]
        for (name, fieldValue) in map.entries {
            let p = path.appending(name)
            guard let first = name.first, first.isLetter || first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                error(p, "name '\(name)' must be letters, digits and '_'")
                continue
            }
            let identifier = Naming.lowerCamel(name)
            if let clash = swiftNames[identifier] {
                error(p, "'\(name)' and '\(clash)' would have the same identifier '\(identifier)' in generated code")
                continue
            }
            swiftNames[identifier] = name
            if let property = parseProperty(name: name, fieldValue, p, context: context) { result.append(property) }
        }
        return result
    }

    private mutating func parseProperty(name: String, _ value: JSONValue, _ path: JSONPath, context: FieldContext) -> Property? {
        guard let field = parseField(value, path, context: context) else { return nil }
        let object = value.objectValue
        let optional = bool(object?["optional"], path.appending("optional"), what: "'optional'") ?? false
        let nullable = bool(object?["nullable"], path.appending("nullable"), what: "'nullable'") ?? false
        var defaultValue: DefaultValue?
        if let raw = object?["default"] {
            defaultValue = parseDefault(raw, for: field, path.appending("default"))
        }
        return Property(
            name: name,
            field: field,
            description: object.flatMap { string($0["description"], path.appending("description"), what: "'description'") },
            isOptional: optional,
            isNullable: nullable,
            defaultValue: defaultValue
        )
    }

    private mutating func parseDefault(_ raw: JSONValue, for field: Field, _ path: JSONPath) -> DefaultValue? {
        switch (field, raw) {
        case (.string(let c), .string(let s)):
            if let values = c.enumeration, !values.contains(s) { error(path, "default '\(s)' is not one of the allowed values") }
            return .string(s)
        case (.ref(let name), .string(let s)) where enumTypes.contains(name):
            if let decl = types.first(where: { $0.name == name }), case .enumeration(let values) = decl.kind, !values.contains(s) {
                error(path, "default '\(s)' is not a value of \(name)")
            }
            return .string(s)
        case (.integer, .integer(let i)): return .integer(i)
        case (.number, _) where raw.doubleValue != nil: return .number(raw.doubleValue ?? 0)
        case (.boolean, .bool(let b)): return .boolean(b)
        default:
            error(path, "default value \(raw.serialized()) does not fit the field's type")
            return nil
        }
    }

    private static func allowedKeys(for type: String) -> [String] {
        let common = ["type", "description", "optional", "nullable", "default"]
        switch type {
        case "string": return common + ["minLength", "maxLength", "pattern", "patternMessage", "enum"]
        case "email": return common + ["minLength", "maxLength"]
        case "url": return common + ["maxLength", "schemes", "relative"]
        case "integer", "number": return common + ["minimum", "maximum"]
        case "array": return common + ["items", "minItems", "maxItems", "uniqueItems"]
        default: return common
        }
    }

    private mutating func parseField(_ value: JSONValue, _ path: JSONPath, context: FieldContext) -> Field? {
        let typeName: String
        var def = JSONObject()
        switch value {
        case .string(let s): typeName = s
        case .object(let object):
            guard let t = string(object["type"], path.appending("type"), what: "'type'") else {
                if object["type"] == nil { error(path, "a field needs 'type'") }
                return nil
            }
            typeName = t
            def = object
            let allowed = Self.allowedKeys(for: typeName)
            for key in object.keys where !allowed.contains(key) {
                error(
                    path.appending(key),
                    "unknown key '\(key)' for a field of type '\(typeName)'; expected one of: \(allowed.joined(separator: ", "))"
                )
            }
            if !context.allowsOptional, object["optional"] != nil { error(path.appending("optional"), "'optional' is not allowed here") }
            if !context.allowsDefault, object["default"] != nil { error(path.appending("default"), "'default' is not allowed here") }
            if context != .property, object["nullable"] != nil { error(path.appending("nullable"), "'nullable' is only allowed on properties") }
        default:
            error(path, "a field must be a type name or an object with 'type', found \(value.typeName)")
            return nil
        }

        if context.scalarOnly, !Self.scalarBuiltins.contains(typeName), !enumTypes.contains(typeName) {
            error(
                path,
                "a \(context == .query ? "query parameter" : context == .param ? "path parameter" : "cookie") must have a scalar type (string, integer, number, boolean, objectId, dateTime, email, url or an enum), not '\(typeName)'"
            )
            return nil
        }

        let minLength = count(def["minLength"], path.appending("minLength"), what: "'minLength'")
        let maxLength = count(def["maxLength"], path.appending("maxLength"), what: "'maxLength'")
        if let minLength, let maxLength, minLength > maxLength { error(path, "minLength \(minLength) is greater than maxLength \(maxLength)") }

        switch typeName {
        case "string":
            let pattern = string(def["pattern"], path.appending("pattern"), what: "'pattern'")
            if let pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                error(path.appending("pattern"), "'\(pattern)' is not a valid regular expression")
            }
            let patternMessage = string(def["patternMessage"], path.appending("patternMessage"), what: "'patternMessage'")
            if patternMessage != nil, pattern == nil { error(path.appending("patternMessage"), "'patternMessage' needs a 'pattern'") }
            let enumeration = stringList(def["enum"], path.appending("enum"), what: "'enum'", nonEmpty: true)
            return .string(
                StringConstraints(
                    minLength: minLength,
                    maxLength: maxLength,
                    pattern: pattern,
                    patternMessage: patternMessage,
                    enumeration: enumeration
                )
            )
        case "email":
            return .email(StringConstraints(minLength: minLength, maxLength: maxLength))
        case "url":
            let schemes = stringList(def["schemes"], path.appending("schemes"), what: "'schemes'") ?? ["http", "https"]
            let relative = bool(def["relative"], path.appending("relative"), what: "'relative'") ?? false
            return .url(URLConstraints(schemes: schemes, allowsRelative: relative, maxLength: maxLength))
        case "integer", "number":
            let minimum = number(def["minimum"], path.appending("minimum"), what: "'minimum'")
            let maximum = number(def["maximum"], path.appending("maximum"), what: "'maximum'")
            if let minimum, let maximum, minimum > maximum { error(path, "minimum \(minimum) is greater than maximum \(maximum)") }
            let constraints = NumberConstraints(minimum: minimum, maximum: maximum)
            return typeName == "integer" ? .integer(constraints) : .number(constraints)
        case "boolean": return .boolean
        case "objectId": return .objectId
        case "dateTime": return .dateTime
        case "json": return .json
        case "array":
            guard let items = def["items"] else {
                error(path, "an array field needs 'items'")
                return nil
            }
            let minItems = count(def["minItems"], path.appending("minItems"), what: "'minItems'")
            let maxItems = count(def["maxItems"], path.appending("maxItems"), what: "'maxItems'")
            if let minItems, let maxItems, minItems > maxItems { error(path, "minItems \(minItems) is greater than maxItems \(maxItems)") }
            let unique = bool(def["uniqueItems"], path.appending("uniqueItems"), what: "'uniqueItems'") ?? false
            guard let element = parseField(items, path.appending("items"), context: .items) else { return nil }
            return .array(ArrayConstraints(minItems: minItems, maxItems: maxItems, uniqueItems: unique), of: element)
        default:
            guard typeLocations[typeName] != nil else {
                error(
                    path,
                    "unknown type '\(typeName)'\(suggestion(for: typeName)); built-in types are \(Self.builtinTypes.sorted().joined(separator: ", "))"
                )
                return nil
            }
            return .ref(typeName)
        }
    }

    private func suggestion(for name: String) -> String {
        let candidates = Array(Self.builtinTypes) + Array(typeLocations.keys)
        let lower = name.lowercased()
        guard let best = candidates.min(by: { editDistance($0.lowercased(), lower) < editDistance($1.lowercased(), lower) }),
            editDistance(best.lowercased(), lower) <= 2
        else { return "" }
        return " (did you mean '\(best)'?)"
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }

    /// A body, response, payload or ack: a type name, or an inline object hoisted under `inlineName`.
    private mutating func parseTypeReference(_ value: JSONValue?, _ path: JSONPath, inlineName: String, what: String) -> String? {
        guard let value else { return nil }
        switch value {
        case .string(let name):
            guard typeLocations[name] != nil, !Self.builtinTypes.contains(name) else {
                error(path, "unknown type '\(name)'\(suggestion(for: name)); \(what) must name an object type or be an inline object")
                return nil
            }
            if enumTypes.contains(name) {
                error(path, "\(what) must be an object type, but '\(name)' is an enumeration")
                return nil
            }
            return name
        case .object:
            guard let decl = parseTypeDecl(name: inlineName, value, path, inline: true) else { return nil }
            hoisted.append(decl)
            return inlineName
        default:
            error(path, "\(what) must be a type name or an inline object, found \(value.typeName)")
            return nil
        }
    }

    // MARK: - Services

    private mutating func parseService(name: String, _ value: JSONValue, _ path: JSONPath) -> Service? {
        guard let def = object(value, path, allowed: ["description", "basePath", "auth", "internal", "routes"], what: "a service") else { return nil }
        guard name.first?.isLowercase == true, name.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            error(path, "service name '\(name)' must be lowerCamelCase letters and digits")
            return nil
        }
        guard let basePath = string(def["basePath"], path.appending("basePath"), what: "'basePath'") else {
            if def["basePath"] == nil { error(path, "missing 'basePath'") }
            return nil
        }
        if !basePath.hasPrefix("/") || (basePath.hasSuffix("/") && basePath != "/") || basePath.contains(":") {
            error(path.appending("basePath"), "basePath '\(basePath)' must start with '/', not end with '/' and have no parameters")
        }
        let defaultAuth: String? = parseAuth(def["auth"], path.appending("auth")) ?? "bearer"
        if def["auth"] == nil, !securitySchemes.contains(where: { $0.name == "bearer" }) {
            error(path, "routes default to the 'bearer' security scheme, which the entry file does not declare; declare it or set 'auth'")
        }
        let isInternal = bool(def["internal"], path.appending("internal"), what: "'internal'") ?? false
        guard let routesValue = def["routes"],
            let routesMap = object(routesValue, path.appending("routes"), allowed: routesValue.objectValue?.keys ?? [], what: "'routes'")
        else {
            if def["routes"] == nil { error(path, "missing 'routes'") }
            return nil
        }
        var service = Service(
            name: name,
            description: string(def["description"], path.appending("description"), what: "'description'"),
            basePath: basePath,
            isInternal: isInternal,
            routes: [],
            location: location(path)
        )
        for (routeName, routeValue) in routesMap.entries {
            let p = path.appending("routes").appending(routeName)
            guard routeName.first?.isLowercase == true, routeName.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                error(p, "route name '\(routeName)' must be lowerCamelCase letters and digits")
                continue
            }
            if let route = parseRoute(service: name, name: routeName, routeValue, p, defaultAuth: defaultAuth) { service.routes.append(route) }
        }
        return service
    }

    /// `.some(nil)` for "none", `.some(name)` for a scheme, nil when absent or wrong.
    private mutating func parseAuth(_ value: JSONValue?, _ path: JSONPath) -> String?? {
        guard let auth = string(value, path, what: "'auth'") else { return nil }
        if auth == "none" { return .some(nil) }
        guard securitySchemes.contains(where: { $0.name == auth }) else {
            error(path, "unknown security scheme '\(auth)'; declare it under 'security' in the entry file, or use \"none\"")
            return nil
        }
        return .some(auth)
    }

    private mutating func parseRoute(service: String, name: String, _ value: JSONValue, _ path: JSONPath, defaultAuth: String?) -> Route? {
        guard
            let def = object(
                value,
                path,
                allowed: [
                    "summary", "description", "method", "path", "auth", "params", "query", "cookies", "body", "response", "status", "errors",
                    "setsCookies",
                ],
                what: "a route"
            )
        else { return nil }
        let prefix = Naming.upperCamel(service) + Naming.upperCamel(name)
        var ok = true
        let methodName = string(def["method"], path.appending("method"), what: "'method'")
        let method = methodName.flatMap { HTTPMethod(rawValue: $0) }
        if def["method"] == nil {
            error(path, "missing 'method'")
            ok = false
        } else if method == nil {
            error(path.appending("method"), "unknown method '\(methodName ?? "")'; expected GET, POST, PUT, PATCH or DELETE")
            ok = false
        }
        let routePath = string(def["path"], path.appending("path"), what: "'path'")
        if def["path"] == nil {
            error(path, "missing 'path'")
            ok = false
        }
        if let routePath, !routePath.hasPrefix("/") {
            error(path.appending("path"), "path '\(routePath)' must start with '/'")
            ok = false
        }
        if def["response"] == nil {
            error(path, "missing 'response'")
            ok = false
        }

        let auth: String? = parseAuth(def["auth"], path.appending("auth")) ?? defaultAuth
        let params = def["params"].map { parseProperties($0, path.appending("params"), context: .param) } ?? []
        let query = def["query"].map { parseProperties($0, path.appending("query"), context: .query) } ?? []
        let cookies = def["cookies"].map { parseProperties($0, path.appending("cookies"), context: .cookie) } ?? []

        if let routePath {
            let segments = routePath.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
            for segment in segments where !params.contains(where: { $0.name == segment }) {
                error(path.appending("params"), "path parameter ':\(segment)' of '\(routePath)' is not declared in 'params'")
                ok = false
            }
            for param in params where !segments.contains(param.name) {
                error(path.appending("params").appending(param.name), "parameter '\(param.name)' does not appear in path '\(routePath)'")
                ok = false
            }
        }
        if let method, method == .get || method == .delete, def["body"] != nil {
            error(path.appending("body"), "a \(method.rawValue) route takes no body")
            ok = false
        }
        let body = parseTypeReference(def["body"], path.appending("body"), inlineName: prefix + "Body", what: "'body'")
        let response = parseTypeReference(def["response"], path.appending("response"), inlineName: prefix + "Response", what: "'response'")

        var statuses = [200]
        if let status = def["status"] {
            let list: [JSONValue] = status.arrayValue ?? [status]
            let parsed = list.compactMap(\.intValue)
            if parsed.count != list.count || parsed.isEmpty || parsed.contains(where: { !(200...299).contains($0) })
                || Set(parsed).count != parsed.count
            {
                error(path.appending("status"), "'status' must be a 2xx status or a list of distinct 2xx statuses")
                ok = false
            } else {
                statuses = parsed
            }
        }
        var errors: [Int] = []
        if let value = def["errors"] {
            for (i, item) in (value.arrayValue ?? []).enumerated() {
                guard let code = item.intValue, Self.allowedErrors.contains(code) else {
                    error(
                        path.appending("errors").appending(i),
                        "\(item.serialized()) is not an error status of the contract; expected one of \(Self.allowedErrors.sorted().map(String.init).joined(separator: ", "))"
                    )
                    continue
                }
                errors.append(code)
            }
            if value.arrayValue == nil { error(path.appending("errors"), "'errors' must be an array of statuses") }
        }
        let setsCookies = stringList(def["setsCookies"], path.appending("setsCookies"), what: "'setsCookies'") ?? []

        guard ok, let method, let routePath, let response else { return nil }
        return Route(
            name: name,
            summary: string(def["summary"], path.appending("summary"), what: "'summary'"),
            description: string(def["description"], path.appending("description"), what: "'description'"),
            method: method,
            path: routePath,
            security: auth,
            params: params,
            query: query,
            cookies: cookies,
            body: body,
            response: response,
            statuses: statuses,
            errors: errors,
            setsCookies: setsCookies,
            location: location(path)
        )
    }

    private mutating func checkRouteConflicts(_ services: [Service]) {
        var seen: [String: (Route, Service)] = [:]
        for service in services {
            for route in service.routes {
                // `:id` and `:chatId` match the same requests, so compare path shapes.
                let shape = route.fullPath(in: service).split(separator: "/").map { $0.hasPrefix(":") ? ":" : String($0) }.joined(separator: "/")
                let key = "\(route.method.rawValue) /\(shape)"
                if let (other, otherService) = seen[key] {
                    diagnostics.append(
                        Diagnostic(
                            file: route.location.file,
                            path: route.location.path,
                            message:
                                "duplicate route: \(route.method.rawValue) \(route.fullPath(in: service)) matches the same requests as \(otherService.name).\(other.name) (\(other.location))"
                        )
                    )
                } else {
                    seen[key] = (route, service)
                }
            }
        }
    }

    // MARK: - Events

    private mutating func parseEvents(_ value: JSONValue, _ path: JSONPath, client: inout [Event], server: inout [Event]) {
        guard let def = object(value, path, allowed: ["clientToServer", "serverToClient"], what: "'events'") else { return }
        for (direction, isClient) in [("clientToServer", true), ("serverToClient", false)] {
            guard let mapValue = def[direction],
                let map = object(mapValue, path.appending(direction), allowed: mapValue.objectValue?.keys ?? [], what: "'\(direction)'")
            else { continue }
            for (name, eventValue) in map.entries {
                let p = path.appending(direction).appending(name)
                guard name.first?.isLowercase == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == ":" }), !name.hasSuffix(":") else {
                    error(p, "event name '\(name)' must be lowerCamel words separated by ':'")
                    continue
                }
                guard
                    let event = object(
                        eventValue,
                        p,
                        allowed: isClient ? ["description", "payload", "ack"] : ["description", "payload"],
                        what: "an event"
                    )
                else { continue }
                if (isClient ? client : server).contains(where: { $0.name == name }) {
                    error(p, "event '\(name)' is already declared")
                    continue
                }
                if event["payload"] == nil { error(p, "missing 'payload'") }
                guard
                    let payload = parseTypeReference(
                        event["payload"],
                        p.appending("payload"),
                        inlineName: Naming.upperCamel(name) + "Payload",
                        what: "'payload'"
                    )
                else { continue }
                let ack = parseTypeReference(event["ack"], p.appending("ack"), inlineName: Naming.upperCamel(name) + "Ack", what: "'ack'")
                if event["ack"] != nil, ack == nil { continue }
                let parsed = Event(
                    name: name,
                    description: string(event["description"], p.appending("description"), what: "'description'"),
                    payload: payload,
                    ack: ack,
                    location: location(p)
                )
                if isClient { client.append(parsed) } else { server.append(parsed) }
            }
        }
    }
}
