/// `types.ts`: the model's types as TypeScript interfaces and unions, plus the contract's error body.
enum TypeScriptTypes {
    static func render(_ model: APIModel) -> String {
        var out = "// \(GeneratedHeader.text)\n"
        for decl in model.types {
            out += "\n" + declaration(decl)
        }
        out += errorTypes(model)
        return out
    }

    static func declaration(_ decl: TypeDecl) -> String {
        var out = TSSyntax.doc(decl.description.map { [$0] } ?? [])
        switch decl.kind {
        case .enumeration(let values):
            let union = values.isEmpty ? "never" : values.map(TSSyntax.literal).joined(separator: " | ")
            out += "export type \(decl.name) = \(union);\n"
        case .object(let properties):
            if properties.isEmpty {
                out += "export interface \(decl.name) {}\n"
            } else {
                out += "export interface \(decl.name) {\n"
                for property in properties { out += member(property) }
                out += "}\n"
            }
        }
        return out
    }

    static func member(_ property: Property, indent: String = "  ") -> String {
        TSSyntax.doc(TSSyntax.docLines(property), indent: indent)
            + "\(indent)\(TSSyntax.key(property.name))\(property.isRequired ? "" : "?"): \(TSSyntax.type(property) { $0 });\n"
    }

    /// `ApiErrorCode`, `ApiErrorDetail` and `ApiErrorBody`, each unless the schema declares a type of that name.
    static func errorTypes(_ model: APIModel) -> String {
        var out = ""
        if model.type(named: "ApiErrorCode") == nil {
            let codes = ErrorCatalog.codes.sorted { $0.key < $1.key }.map { TSSyntax.literal($0.value) }
            out += "\n/** The contract's error codes (`ApiError.code`). */\n"
            out += "export type ApiErrorCode =\n" + codes.map { "  | \($0)" }.joined(separator: "\n") + ";\n"
        }
        if model.type(named: "ApiErrorDetail") == nil {
            out += """

                /** One invalid input of a validation error. */
                export interface ApiErrorDetail {
                  /** Where the input was, e.g. `body.email` or `query.limit`. */
                  path: string;
                  message: string;
                }

                """
        }
        if model.type(named: "ApiErrorBody") == nil {
            out += """

                /** The body of every error response: `{error: {statusCode, code, message, details?}}`. */
                export interface ApiErrorBody {
                  error: {
                    statusCode: number;
                    /** One of `ApiErrorCode`. */
                    code: string;
                    message: string;
                    /** Only for validation errors (400). */
                    details?: { path: string; message: string }[];
                  };
                }

                """
        }
        return out
    }
}
