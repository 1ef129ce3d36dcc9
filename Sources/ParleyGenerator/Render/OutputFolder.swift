public import Foundation

/// Writes generated files into a folder, touching only those whose contents changed (so that builds stay
/// incremental), or in check mode reports which ones are stale.
public struct OutputFolder {
    public var url: URL

    public init(_ url: URL) { self.url = url }

    /// Paths (relative) whose contents differ from `files`, or that are missing.
    public func stalePaths(_ files: [GeneratedFile]) -> [String] {
        files.filter { file in
            (try? String(contentsOf: url.appendingPathComponent(file.path), encoding: .utf8)) != file.contents
        }.map(\.path)
    }

    /// Writes what changed; returns the paths written.
    @discardableResult
    public func write(_ files: [GeneratedFile]) throws -> [String] {
        let stale = stalePaths(files)
        for file in files where stale.contains(file.path) {
            let target = url.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: target, options: .atomic)
        }
        return stale
    }
}
