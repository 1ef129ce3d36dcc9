/// Models: a struct per object type and an enum per enumeration, each reading itself from JSON with every
/// constraint checked, and writing itself back.
struct SwiftTypesRenderer {
    let model: APIModel

    func render(patterns: inout PatternTable) -> String {
        model.types.map { decl in
            switch decl.kind {
            case .object(let properties): renderObject(decl, properties, patterns: &patterns)
            case .enumeration(let values): renderEnum(decl, values)
            }
        }.joined(separator: "\n")
    }

    private func renderEnum(_ decl: TypeDecl, _ values: [String]) -> String {
        let name = decl.name
        let allowed = values.joined(separator: ", ")
        var out = SwiftNames.doc(decl.description, indent: "")
        out += "public enum \(name): String, JSONCodable, TextDecodable, TextEncodable, CaseIterable, Hashable {\n"
        for value in values {
            let identifier = SwiftNames.identifier(value)
            out += identifier == value ? "    case \(identifier)\n" : "    case \(identifier) = \(SwiftNames.stringLiteral(value))\n"
        }
        out += """

                public static func decode(_ json_: JSONValue, at path_: String, _ v_: inout Validation) -> \(name)? {
                    guard case .string(let raw) = json_ else { return v_.typeMismatch(path_, expected: "a string", found: json_) }
                    guard let value = \(name)(rawValue: raw) else {
                        v_.report(path_, "must be one of: \(allowed)")
                        return nil
                    }
                    return value
                }

                public func encode(to writer: inout JSONWriter) { writer.string(rawValue) }
                public init?(text: String) { self.init(rawValue: text) }
                public static var textDescription: String { "one of: \(allowed)" }
                public var text: String { rawValue }
            }

            """
        return out
    }

    private func renderObject(_ decl: TypeDecl, _ properties: [Property], patterns: inout PatternTable) -> String {
        let name = decl.name
        var out = SwiftNames.doc(decl.description, indent: "")
        out += "public struct \(name): JSONCodable, Hashable {\n"
        out += StoredProperties.declarations(properties, indent: "    ")
        out += "\n" + StoredProperties.initializer(properties, indent: "    ")
        out += "}\n\n"

        // Decoding
        let keys = properties.map { SwiftNames.stringLiteral($0.name) }.joined(separator: ", ")
        out += "extension \(name) {\n"
        out += "    static let fieldNames_: Set<String> = [\(keys)]\n\n"
        out += "    public static func decode(_ json_: JSONValue, at path_: String, _ v_: inout Validation) -> \(name)? {\n"
        guard !properties.isEmpty else {
            out += "        guard v_.object(json_, at: path_, keys: fieldNames_) != nil else { return nil }\n"
            out += "        return \(name)()\n    }\n\n"
            out += "    public func encode(to writer: inout JSONWriter) {\n        writer.beginObject()\n        writer.endObject()\n    }\n}\n"
            return out
        }
        out += "        guard let object_ = v_.object(json_, at: path_, keys: fieldNames_) else { return nil }\n"
        out += "        let mark_ = v_.mark\n"
        var unwraps: [String] = []
        for property in properties {
            let local = SwiftNames.identifier(property.name)
            let key = SwiftNames.stringLiteral(property.name)
            let base = SwiftNames.type(of: property.field)
            let reader: String
            let localType: String
            if property.defaultValue != nil || property.isOptional {
                reader = property.isNullable ? "optionalNullable" : "optional"
                localType = base + "?"
            } else if property.isNullable {
                reader = "requiredNullable"
                localType = base + "??"
                unwraps.append(local)
            } else {
                reader = "required"
                localType = base + "?"
                unwraps.append(local)
            }
            out += "        let \(local): \(localType) = v_.\(reader)(object_, \(key), at: path_)\n"
            let checks = ConstraintChecks.statements(
                for: property.field,
                value: "value_",
                path: "path_",
                key: key,
                indent: "            ",
                patterns: &patterns
            )
            if !checks.isEmpty {
                let unwrap = localType.hasSuffix("??") ? "let value_?? = \(local)" : "let value_ = \(local)"
                out += "        if \(unwrap) {\n" + checks.joined(separator: "\n") + "\n        }\n"
            }
        }
        out += "        guard v_.isClean(since: mark_)\(unwraps.map { ", let \($0)" }.joined()) else { return nil }\n"
        let args = properties.map { property -> String in
            let local = SwiftNames.identifier(property.name)
            if let value = property.defaultValue {
                return "\(SwiftNames.bare(property.name)): \(local) ?? \(SwiftNames.literal(value, for: property.field))"
            }
            return "\(SwiftNames.bare(property.name)): \(local)"
        }
        out += "        return \(name)(\(args.joined(separator: ", ")))\n"
        out += "    }\n\n"

        // Encoding
        out += "    public func encode(to writer: inout JSONWriter) {\n"
        out += "        writer.beginObject()\n"
        for property in properties {
            let member = SwiftNames.identifier(property.name)
            let key = SwiftNames.stringLiteral(property.name)
            if property.defaultValue == nil, property.isOptional {
                out += "        if let \(member) { writer.key(\(key)); \(member).encode(to: &writer) }\n"
            } else if property.defaultValue == nil, property.isNullable {
                out += "        writer.key(\(key))\n"
                out += "        if let \(member) { \(member).encode(to: &writer) } else { writer.null() }\n"
            } else {
                out += "        writer.key(\(key)); \(member).encode(to: &writer)\n"
            }
        }
        out += "        writer.endObject()\n"
        out += "    }\n"
        out += "}\n"
        return out
    }
}

/// Stored properties and memberwise initializers with defaults, for models and route inputs alike.
enum StoredProperties {
    static func declarations(_ properties: [Property], indent: String) -> String {
        properties.map { property in
            var doc = property.description
            if property.name != SwiftNames.bare(property.name) { doc = (doc.map { $0 + "\n" } ?? "") + "JSON: `\(property.name)`." }
            return SwiftNames.doc(doc, indent: indent)
                + "\(indent)public var \(SwiftNames.identifier(property.name)): \(SwiftNames.type(of: property))\n"
        }.joined()
    }

    static func initializer(_ properties: [Property], indent: String) -> String {
        let params = properties.map { property -> String in
            let type = SwiftNames.type(of: property)
            var param = "\(SwiftNames.identifier(property.name)): \(type)"
            if let value = property.defaultValue {
                param += " = \(SwiftNames.literal(value, for: property.field))"
            } else if type.hasSuffix("?") {
                param += " = nil"
            }
            return param
        }
        var out = "\(indent)public init(\(params.joined(separator: ", "))) {\n"
        for property in properties {
            let name = SwiftNames.identifier(property.name)
            out += "\(indent)    self.\(name) = \(name)\n"
        }
        return out + "\(indent)}\n"
    }
}
