import Foundation
import Testing

@testable import ParleyGenerator

/// Every renderer's output for the fixture schema, compared with files under `Golden/`.
/// After an intended change, run the tests with `UPDATE_GOLDEN=1` and review the diff.
@Suite struct GoldenTests {
    static func fixture() throws -> APIModel { try SchemaParser.parse(SchemaSource.load(PackagePaths.fixtureSchema)) }

    static func compare(_ files: [GeneratedFile], folder: String) throws {
        let directory = PackagePaths.golden.appendingPathComponent(folder)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try OutputFolder(directory).write(files)
        }
        for file in files {
            let golden = try String(contentsOf: directory.appendingPathComponent(file.path), encoding: .utf8)
            #expect(file.contents == golden, "\(folder)/\(file.path) differs from its golden file; rerun with UPDATE_GOLDEN=1 if intended")
        }
    }

    @Test func swift() throws {
        try Self.compare(SwiftRenderer.render(Self.fixture()), folder: "swift")
    }

    @Test func typeScript() throws {
        try Self.compare(TypeScriptRenderer.render(Self.fixture()), folder: "typescript")
    }

    @Test func openAPI() throws {
        try Self.compare([OpenAPIRenderer.render(Self.fixture())], folder: "openapi")
    }

    @Test func asyncAPI() throws {
        try Self.compare([AsyncAPIRenderer.render(Self.fixture())], folder: "asyncapi")
    }

    @Test func htmlReference() throws {
        try Self.compare([HTMLReferenceRenderer.render(Self.fixture())], folder: "html")
    }

    @Test func htmlReferenceEscapesTheSchemaText() throws {
        var model = try Self.fixture()
        model.info.description = "<script>alert(1)</script> & \"quotes\""
        let page = HTMLReferenceRenderer.render(model).contents
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
    }

    @Test func everyGeneratedFileStartsWithTheHeader() throws {
        let model = try Self.fixture()
        for file in SwiftRenderer.render(model) + Renderers.documents(model) {
            #expect(file.contents.contains(GeneratedHeader.text), "\(file.path) lacks the generated-file header")
        }
        for file in SwiftRenderer.render(model) + TypeScriptRenderer.render(model) where file.path.hasSuffix("ts") || file.path.hasSuffix("swift") {
            #expect(file.contents.hasPrefix("// " + GeneratedHeader.text), "\(file.path) does not start with the header")
        }
    }

    @Test func realSchemaRendersAndMatchesCommittedDocuments() throws {
        let model = try SchemaParser.parse(SchemaSource.load(PackagePaths.schema))
        #expect(SwiftRenderer.render(model).count == SwiftRenderer.fileNames.count)
        let stale = OutputFolder(PackagePaths.root.appendingPathComponent("Generated")).stalePaths(Renderers.documents(model))
        #expect(stale.isEmpty, "Generated/ is stale: \(stale); run `swift package --allow-writing-to-package-directory generate`")
    }

    /// The build plugin cannot import the generator, so it lists the output files itself.
    @Test func buildPluginDeclaresTheRendererFiles() throws {
        let plugin = try String(contentsOf: PackagePaths.root.appendingPathComponent("Plugins/ParleyAPIPlugin/plugin.swift"), encoding: .utf8)
        let declared = "static let outputFileNames = [" + SwiftRenderer.fileNames.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        #expect(plugin.contains(declared))
    }
}
