public import Foundation
import ParleyJSON

/// The text of a schema: the entry file and the files it includes, keyed by path relative to the schema
/// folder. Parsing works on this value, so tests can hand it files without touching a disk.
public struct SchemaSource: Sendable {
    public static let entryFileName = "parley.json"
    public static let metaSchemaFileName = "parley.schema.json"

    /// How the folder is named in diagnostics (`schema`).
    public var displayRoot: String
    public var entry: String
    public var files: [String: String]
    /// Every `.json` file found in the folder, listed or not, so that an unlisted one is reported.
    public var presentFiles: [String]

    public init(displayRoot: String = "schema", entry: String = entryFileName, files: [String: String], presentFiles: [String]? = nil) {
        self.displayRoot = displayRoot
        self.entry = entry
        self.files = files
        self.presentFiles = presentFiles ?? files.keys.sorted()
    }

    /// Reads a schema folder, or the folder of a given entry file.
    public static func load(_ url: URL) throws -> SchemaSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SchemaError(diagnostics: [Diagnostic(file: url.path, path: "$", message: "no such file or folder")])
        }
        let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
        let entry = isDirectory.boolValue ? entryFileName : url.lastPathComponent
        var files: [String: String] = [:]
        var present: [String] = []
        let base = folder.standardizedFileURL.path
        if let walker = FileManager.default.enumerator(atPath: base) {
            for case let relative as String in walker where relative.hasSuffix(".json") {
                present.append(relative)
                if let text = try? String(contentsOfFile: base + "/" + relative, encoding: .utf8) {
                    files[relative] = text
                }
            }
        }
        return SchemaSource(displayRoot: folder.path, entry: entry, files: files, presentFiles: present.sorted())
    }

    /// The input files a build must watch: the entry and everything it includes (when it parses).
    public static func inputFiles(entry url: URL) -> [URL] {
        let folder = url.deletingLastPathComponent()
        var urls = [url]
        if let data = try? Data(contentsOf: url), let value = try? JSONParser.parse(Array(data)),
            case .array(let includes)? = value["include"]
        {
            urls += includes.compactMap(\.stringValue).map { folder.appendingPathComponent($0) }
        }
        return urls
    }
}
