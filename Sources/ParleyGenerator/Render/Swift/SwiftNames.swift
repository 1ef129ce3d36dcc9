/// Swift spellings of schema names and types.
enum SwiftNames {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout", "internal",
        "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias",
        "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in",
        "repeat", "return", "switch", "where", "while", "as", "any", "catch", "false", "is", "nil", "super", "self", "Self",
        "throw", "throws", "true", "try", "Type", "Protocol", "some",
    ]

    /// A property, parameter or method identifier, escaped when it is a keyword.
    static func identifier(_ name: String) -> String {
        let camel = Naming.lowerCamel(name)
        return keywords.contains(camel) ? "`\(camel)`" : camel
    }

    /// The identifier without escaping, for building other names.
    static func bare(_ name: String) -> String { Naming.lowerCamel(name) }

    static func namespace(of service: Service) -> String { Naming.upperCamel(service.name) }
    static func api(of service: Service) -> String { namespace(of: service) + "API" }
    static func client(of service: Service) -> String { namespace(of: service) + "Client" }
    static func operation(of route: Route) -> String { Naming.upperCamel(route.name) }

    static func type(of field: Field) -> String {
        switch field {
        case .string, .email, .url: "String"
        case .integer: "Int"
        case .number: "Double"
        case .boolean: "Bool"
        case .objectId: "ObjectId"
        case .dateTime: "Date"
        case .json: "JSONValue"
        case .array(_, let element): "[\(type(of: element))]"
        case .ref(let name): name
        }
    }

    /// The Swift type of a stored property: optional when it may be absent or null and has no default.
    static func type(of property: Property) -> String {
        let base = type(of: property.field)
        return property.defaultValue == nil && (property.isOptional || property.isNullable) ? base + "?" : base
    }

    static func literal(_ value: DefaultValue, for field: Field) -> String {
        switch value {
        case .string(let s):
            if case .ref = field { return "." + identifier(s) }
            return stringLiteral(s)
        case .integer(let i): return field == .number(NumberConstraints()) ? "\(Double(i))" : String(i)
        case .number(let d): return "\(d)"
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    static func stringLiteral(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// A number bound as a literal of the field's Swift type.
    static func bound(_ value: Double, integer: Bool) -> String {
        if integer { return String(Int(value)) }
        return value.rounded() == value ? "\(Int(value)).0" : "\(value)"
    }

    /// A doc comment, one `///` line per line of text.
    static func doc(_ text: String?, indent: String) -> String {
        guard let text, !text.isEmpty else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(indent)/// \($0)\n" }.joined()
    }
}
