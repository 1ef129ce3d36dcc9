import Foundation
import MongoStore
import ParleyStore
import SQLiteStore
import Testing

/// The engines every contract test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case mongo

    var testDescription: String { rawValue }
}

/// A new, empty, migrated store of the given kind.
func makeStore(_ kind: StoreKind) async throws -> any Store {
    switch kind {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder.appendingPathComponent("parley.sqlite").path)
        try await store.migrate()
        return store
    case .mongo:
        // One shared server, a fresh database per store.
        let store = try MongoStore(
            uri: try await MongoTestServer.uri(),
            database: "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        )
        try await store.migrate()
        return store
    }
}
