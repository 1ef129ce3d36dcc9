import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate [--check]`: rewrites `Generated/` (TypeScript
/// client, openapi.json, asyncapi.json) from `schema/`; with `--check` writes nothing and fails when stale.
@main
struct GenerateCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let root = context.package.directoryURL
        var args = ["documents", "--schema", root.appending(path: "schema").path, "--out", root.appending(path: "Generated").path]
        if arguments.contains("--check") { args.append("--check") }
        let process = Process()
        process.executableURL = try context.tool(named: "parley-gen").url
        process.arguments = args
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("parley-gen \(args.first ?? "") failed")
            throw PluginError("parley-gen exited with status \(process.terminationStatus)")
        }
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
