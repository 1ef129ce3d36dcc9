import ArgumentParser
import Foundation
import ParleyGenerator

@main
struct ParleyGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-gen",
        abstract: "Generates Parley's API code and documents from schema/.",
        subcommands: [Check.self, SwiftSources.self, Documents.self, Diff.self]
    )
}

struct SchemaOption: ParsableArguments {
    @Option(help: "The schema folder or its entry file.")
    var schema: String = "schema"

    func load() throws -> APIModel { try Self.load(schema) }

    static func load(_ schema: String) throws -> APIModel {
        do {
            return try SchemaParser.parse(SchemaSource.load(URL(fileURLWithPath: schema)))
        } catch let error as SchemaError {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            throw ExitCode.failure
        }
    }
}

extension ParleyGen {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Checks the schema and prints every mistake.")
        @OptionGroup var schema: SchemaOption

        func run() throws {
            let model = try schema.load()
            let routes = model.services.reduce(0) { $0 + $1.routes.count }
            print(
                "ok: \(model.types.count) types, \(model.services.count) services, \(routes) routes, \(model.clientEvents.count + model.serverEvents.count) events"
            )
        }
    }

    struct SwiftSources: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "swift",
            abstract: "Writes the Swift API module's sources (the build plugin runs this)."
        )
        @OptionGroup var schema: SchemaOption
        @Option(help: "Output folder.") var out: String

        func run() throws {
            let files = SwiftRenderer.render(try schema.load())
            try OutputFolder(URL(fileURLWithPath: out)).write(files)
        }
    }

    struct Documents: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes Generated/: the TypeScript client, openapi.json and asyncapi.json.")
        @OptionGroup var schema: SchemaOption
        @Option(help: "Output folder.") var out: String = "Generated"
        @Flag(help: "Write nothing; fail when a file is missing or differs.") var check = false

        func run() throws {
            let files = Renderers.documents(try schema.load())
            let folder = OutputFolder(URL(fileURLWithPath: out))
            if check {
                let stale = folder.stalePaths(files)
                guard stale.isEmpty else {
                    for path in stale { FileHandle.standardError.write(Data("\(out)/\(path) is stale\n".utf8)) }
                    FileHandle.standardError.write(
                        Data(
                            "Generated files are out of date: run `swift package --allow-writing-to-package-directory generate` and commit them.\n"
                                .utf8
                        )
                    )
                    throw ExitCode.failure
                }
                print("\(out) is up to date (\(files.count) files)")
            } else {
                let written = try folder.write(files)
                print(written.isEmpty ? "\(out) was already up to date" : written.map { "wrote \(out)/\($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists breaking changes from OLD to NEW (schema folders or entry files); fails when there is any."
        )
        @Argument(help: "The previous schema.") var old: String
        @Argument(help: "The new schema.") var new: String

        func run() throws {
            let before = try SchemaOption.load(old)
            let after = try SchemaOption.load(new)
            let changes = APIDiff.breakingChanges(from: before, to: after)
            guard !changes.isEmpty else {
                print("no breaking changes")
                return
            }
            for change in changes { print(change) }
            FileHandle.standardError.write(Data("\(changes.count) breaking change\(changes.count == 1 ? "" : "s")\n".utf8))
            throw ExitCode.failure
        }
    }
}
