import ParleyJSON

/// Renders the browser-side TypeScript for the public API, relative to `Generated/typescript/`:
///
/// - `types.ts`: an interface per object type, a union per enumeration, and the error body types;
/// - `client.ts`: `ParleyClient`, a dependency-free `fetch` client with one group per public service;
/// - `events.ts`: the Socket.IO event maps for `Socket<ServerToClientEvents, ClientToServerEvents>`;
/// - `index.ts`: re-exports; `tsconfig.json`: for `tsc --noEmit -p`.
public enum TypeScriptRenderer {
    public static func render(_ model: APIModel) -> [GeneratedFile] {
        [
            GeneratedFile(path: "types.ts", contents: TypeScriptTypes.render(model)),
            GeneratedFile(path: "client.ts", contents: TypeScriptClient.render(model)),
            GeneratedFile(path: "events.ts", contents: TypeScriptEvents.render(model)),
            GeneratedFile(path: "index.ts", contents: index()),
            GeneratedFile(path: "tsconfig.json", contents: tsconfig()),
        ]
    }

    static func index() -> String {
        """
        // \(GeneratedHeader.text)

        export * from "./types";
        export { clientEventNames, serverEventNames } from "./events";
        export type { ClientToServerEvents, ServerToClientEvents, ClientEventName, ServerEventName } from "./events";
        export { ApiError, ParleyClient } from "./client";
        export type { ClientOptions } from "./client";

        """
    }

    /// JSON with comments, as `tsc` reads it; the header is a comment so that the file stays a valid config.
    static func tsconfig() -> String {
        let config: JSONValue = [
            "compilerOptions": [
                "strict": true,
                "target": "ES2020",
                "module": "ES2020",
                "lib": ["ES2020", "DOM"],
                "noEmit": true,
                "skipLibCheck": true,
            ],
            "include": ["*.ts"],
        ]
        return "// \(GeneratedHeader.text)\n" + config.serialized(pretty: true)
    }
}

/// TypeScript spelling shared by the TypeScript files.
enum TSSyntax {
    static let reservedWords: Set<String> = [
        "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
        "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
        "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
        "let", "static", "implements", "interface", "package", "private", "protected", "public", "await", "arguments",
        "eval", "undefined",
    ]

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func start(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == "$" }
        return start(first) && name.unicodeScalars.allSatisfy { start($0) || ($0 >= "0" && $0 <= "9") }
    }

    /// A string literal (JSON's escaping is valid TypeScript).
    static func literal(_ value: String) -> String { JSONValue.string(value).serialized() }

    /// A property key: bare when it is an identifier, quoted otherwise.
    static func key(_ name: String) -> String { isIdentifier(name) ? name : literal(name) }

    /// A parameter or variable name derived from a wire name, avoiding reserved words and `taken` names.
    static func variable(_ name: String, avoiding taken: Set<String> = []) -> String {
        var candidate = Naming.lowerCamel(name)
        if candidate.isEmpty || !isIdentifier(candidate) {
            candidate = "_" + String(candidate.unicodeScalars.map { isIdentifier("a" + String($0)) ? Character($0) : "_" })
        }
        while reservedWords.contains(candidate) || taken.contains(candidate) { candidate += "Param" }
        return candidate
    }

    /// The TypeScript type of a field; `ref` spells a named type (for import aliases).
    static func type(_ field: Field, ref: (String) -> String) -> String {
        switch field {
        case .string(let c):
            if let values = c.enumeration, !values.isEmpty { return values.map(literal).joined(separator: " | ") }
            return "string"
        case .integer, .number: return "number"
        case .boolean: return "boolean"
        case .objectId, .dateTime, .email, .url: return "string"
        case .json: return "unknown"
        case .array(_, let items):
            let element = type(items, ref: ref)
            return (element.contains(" | ") ? "(\(element))" : element) + "[]"
        case .ref(let name): return ref(name)
        }
    }

    static func type(_ property: Property, ref: (String) -> String) -> String {
        let base = type(property.field, ref: ref)
        return property.isNullable ? base + " | null" : base
    }

    // MARK: Documentation

    /// Sentences describing a field's format and constraints, for a JSDoc comment.
    static func notes(_ field: Field) -> [String] {
        switch field {
        case .string(let c):
            var parts: [String] = []
            if let length = lengthNote(min: c.minLength, max: c.maxLength, unit: "characters") { parts.append(length) }
            if let pattern = c.pattern { parts.append("pattern `\(pattern)`") }
            return parts.isEmpty ? [] : [sentence(parts.joined(separator: ", "))]
        case .integer(let c):
            return ["Integer" + (boundsNote(c).map { ", " + $0 } ?? "") + "."]
        case .number(let c):
            return boundsNote(c).map { ["Number, " + $0 + "."] } ?? []
        case .boolean, .ref:
            return []
        case .objectId:
            return ["ObjectId: 24 lowercase hexadecimal characters."]
        case .dateTime:
            return ["Date-time: ISO 8601 in UTC with milliseconds, e.g. `2026-11-20T10:15:30.123Z`."]
        case .email(let c):
            return ["Email address" + (lengthNote(min: c.minLength, max: c.maxLength, unit: "characters").map { ", " + $0 } ?? "") + "."]
        case .url(let c):
            var kinds = c.schemes.isEmpty ? [] : ["an absolute " + c.schemes.joined(separator: " or ") + " URL"]
            if c.allowsRelative { kinds.append("a path starting with `/`") }
            return [
                "URL: " + kinds.joined(separator: ", or ")
                    + (c.maxLength.map { ", at most \($0) characters" } ?? "") + "."
            ]
        case .json:
            return ["Any JSON value."]
        case .array(let c, let items):
            var parts: [String] = []
            if let count = lengthNote(min: c.minItems, max: c.maxItems, unit: "items") { parts.append(count) }
            if c.uniqueItems { parts.append("no duplicates") }
            var out = parts.isEmpty ? [] : [sentence(parts.joined(separator: ", "))]
            out += notes(items).map { "Each item: " + $0.prefix(1).lowercased() + $0.dropFirst() }
            return out
        }
    }

    static func sentence(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() + "." }

    /// `unit` is plural (`characters`, `items`); it is made singular after a count of 1.
    static func lengthNote(min: Int?, max: Int?, unit: String) -> String? {
        func units(_ n: Int) -> String { n == 1 && unit.hasSuffix("s") ? String(unit.dropLast()) : unit }
        switch (min, max) {
        case let (min?, max?) where min == max: return "exactly \(min) \(units(min))"
        case let (min?, max?): return "\(min) to \(max) \(unit)"
        case let (min?, nil): return "at least \(min) \(units(min))"
        case let (nil, max?): return "at most \(max) \(units(max))"
        case (nil, nil): return nil
        }
    }

    static func boundsNote(_ c: NumberConstraints) -> String? {
        func n(_ v: Double) -> String { JSONSchemaBuilder.integral(v).serialized() }
        switch (c.minimum, c.maximum) {
        case let (min?, max?): return "\(n(min)) to \(n(max))"
        case let (min?, nil): return "at least \(n(min))"
        case let (nil, max?): return "at most \(n(max))"
        case (nil, nil): return nil
        }
    }

    static func defaultLiteral(_ value: DefaultValue) -> String { JSONSchemaBuilder.json(value).serialized() }

    /// A JSDoc comment, indented; empty when there is nothing to say.
    static func doc(_ lines: [String], indent: String = "") -> String {
        let cleaned =
            lines
            .flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            .map { trimTrailingWhitespace($0.replacing("*/", with: "*\\/")) }
        var trimmed = cleaned
        while trimmed.first == "" { trimmed.removeFirst() }
        while trimmed.last == "" { trimmed.removeLast() }
        guard !trimmed.isEmpty else { return "" }
        if trimmed.count == 1 { return "\(indent)/** \(trimmed[0]) */\n" }
        return "\(indent)/**\n" + trimmed.map { $0.isEmpty ? "\(indent) *\n" : "\(indent) * \($0)\n" }.joined() + "\(indent) */\n"
    }

    static func trimTrailingWhitespace(_ line: String) -> String {
        var s = Substring(line)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }

    /// Documentation of a property or parameter: its description, format notes and default.
    static func docLines(_ property: Property) -> [String] {
        var lines: [String] = []
        if let description = property.description { lines.append(description) }
        lines += notes(property.field)
        if let value = property.defaultValue { lines.append("@default \(defaultLiteral(value))") }
        return lines
    }
}

/// Picks the local names under which `types.ts` declarations are imported, renaming any that would shadow a
/// name the importing file declares or a global it uses.
struct TSImports {
    private(set) var local: [String: String] = [:]
    private var used: [String] = []
    let reserved: Set<String>

    init(reserved: Set<String>) { self.reserved = reserved }

    mutating func name(_ type: String) -> String {
        if let existing = local[type] { return existing }
        var alias = type
        while reserved.contains(alias) || local.values.contains(alias) { alias += "Type" }
        local[type] = alias
        used.append(type)
        return alias
    }

    /// `import type { A, B as BType } from "./types";`, or nothing when no type is used.
    var statement: String {
        guard !used.isEmpty else { return "" }
        let names = used.sorted().map { local[$0] == $0 ? $0 : "\($0) as \(local[$0]!)" }
        let line = "import type { \(names.joined(separator: ", ")) } from \"./types\";\n"
        if line.count <= 120 { return line }
        return "import type {\n" + names.map { "  \($0),\n" }.joined() + "} from \"./types\";\n"
    }
}
