import Metrics
import Tracing

/// Every store call, timed (`parley_store_duration`, a histogram in seconds on `/metrics`, by engine and operation)
/// and traced (a client span named for the operation, under the request's span when tracing is on). The engines wrap
/// their one funnel (SQLite's reads and writes, MongoDB's `run`), which names the repository method that called it.
public enum StoreTelemetry {
    public static func measure<T>(
        _ engine: String,
        _ function: StaticString,
        in file: StaticString,
        _ body: () async throws -> T
    ) async throws -> T {
        let operation = operation(function, in: file)
        let start = ContinuousClock.now
        defer { record(engine, operation, since: start) }
        return try await withSpan(operation, ofKind: .client) { span in
            span.attributes["db.system"] = engine
            return try await body()
        }
    }

    public static func measure<T>(_ engine: String, _ function: StaticString, in file: StaticString, _ body: () throws -> T) throws -> T {
        let operation = operation(function, in: file)
        let start = ContinuousClock.now
        defer { record(engine, operation, since: start) }
        return try withSpan(operation, ofKind: .client) { span in
            span.attributes["db.system"] = engine
            return try body()
        }
    }

    /// `users.find` for `find(id:)` in `SQLiteUsers.swift` or `MongoStore+Users.swift`: bounded, one per method.
    public static func operation(_ function: StaticString, in file: StaticString) -> String {
        var name = "\(file)".split(separator: "/").last.map(String.init) ?? ""
        if name.hasSuffix(".swift") { name.removeLast(6) }
        for prefix in ["MongoStore+", "SQLite", "Mongo"] where name.hasPrefix(prefix) {
            name.removeFirst(prefix.count)
            break
        }
        let method = "\(function)".prefix { $0 != "(" }
        return "\(name.lowercased()).\(method)"
    }

    private static func record(_ engine: String, _ operation: String, since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        Timer(label: "parley_store_duration", dimensions: [("engine", engine), ("operation", operation)])
            .recordSeconds(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
