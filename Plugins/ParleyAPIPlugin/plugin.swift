import Foundation
import PackagePlugin

/// Generates a target's Swift API from a Parley schema on every build.
///
/// The target names its schema in `parley-generator.json` (`{"schema": "../../schema"}`, relative to the target).
/// Inputs are the schema folder's `.json` files as of planning: SwiftPM plans again only when the package
/// changes, which is why a new schema file must also be listed in the entry file's `include` (an edit there
/// re-runs the generator, and the generator rejects files it was not told about).
@main
struct ParleyAPIPlugin: BuildToolPlugin {
    /// Must equal `SwiftRenderer.fileNames`; a generator test checks that it does.
    static let outputFileNames = ["Types.swift", "Services.swift", "Routes.swift", "Clients.swift", "Events.swift", "Documents.swift"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let config = target.directoryURL.appending(path: "parley-generator.json")
        guard let data = try? Data(contentsOf: config),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let schemaPath = object["schema"] as? String
        else {
            throw PluginError("\(target.name) uses ParleyAPIPlugin but has no readable parley-generator.json with a \"schema\" path")
        }
        let schema = target.directoryURL.appending(path: schemaPath).standardizedFileURL
        let inputs = (FileManager.default.enumerator(at: schema, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "ParleyAPI")
        return [
            .buildCommand(
                displayName: "Generating \(target.name) from \(schemaPath)",
                executable: try context.tool(named: "parley-gen").url,
                arguments: ["swift", "--schema", schema.path, "--out", output.path],
                inputFiles: inputs + [config],
                outputFiles: Self.outputFileNames.map { output.appending(path: $0) }
            )
        ]
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
