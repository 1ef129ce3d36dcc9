/// A mistake in the schema, located by file and JSON path.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { "\(file): \(path): error: \(message)" }
}

/// Thrown when a schema has mistakes; carries every one found, not only the first.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A JSON path in `$.services.auth.routes.register` notation, quoting keys that are not identifiers.
struct JSONPath: CustomStringConvertible {
    private(set) var description: String

    static let root = JSONPath(description: "$")

    func appending(_ key: String) -> JSONPath {
        let plain =
            !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
            && !(key.first?.isNumber ?? false)
        return JSONPath(description: description + (plain ? ".\(key)" : "[\"\(key)\"]"))
    }

    func appending(_ index: Int) -> JSONPath { JSONPath(description: description + "[\(index)]") }
}
