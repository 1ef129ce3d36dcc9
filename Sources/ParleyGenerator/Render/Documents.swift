/// Everything written to `Generated/` (the Swift code is the build plugin's, not here).
public enum Renderers {
    /// The TypeScript client under `typescript/`, `openapi.json`, `asyncapi.json` and `reference.html`, with paths
    /// relative to `Generated/`.
    public static func documents(_ model: APIModel) -> [GeneratedFile] {
        TypeScriptRenderer.render(model).map { GeneratedFile(path: "typescript/" + $0.path, contents: $0.contents) }
            + [OpenAPIRenderer.render(model), AsyncAPIRenderer.render(model), HTMLReferenceRenderer.render(model)]
    }
}
