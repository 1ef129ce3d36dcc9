import Metrics
import Synchronization
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
        let site = site(engine, function, in: file)
        let start = ContinuousClock.now
        defer { site.record(since: start) }
        return try await withSpan(site.operation, ofKind: .client) { span in
            span.attributes["db.system"] = engine
            return try await body()
        }
    }

    public static func measure<T>(_ engine: String, _ function: StaticString, in file: StaticString, _ body: () throws -> T) throws -> T {
        let site = site(engine, function, in: file)
        let start = ContinuousClock.now
        defer { site.record(since: start) }
        return try withSpan(site.operation, ofKind: .client) { span in
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

    /// A repository method's name and timer, made once: a store call is on every request's path. Like Hummingbird's
    /// request metrics, a timer is bound to the metrics backend bootstrapped when it is made, so `serve` bootstraps
    /// before it opens the store.
    struct Site: Sendable {
        let operation: String
        let timer: Timer

        func record(since start: ContinuousClock.Instant) {
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            timer.recordSeconds(Double(seconds) + Double(attoseconds) / 1e18)
        }
    }

    private struct SiteKey: Hashable {
        let engine: String
        let function: UInt
        let file: UInt
    }

    private static let sites = Mutex<[SiteKey: Site]>([:])

    static func site(_ engine: String, _ function: StaticString, in file: StaticString) -> Site {
        func make() -> Site {
            let operation = operation(function, in: file)
            return Site(
                operation: operation,
                timer: Timer(label: "parley_store_duration", dimensions: [("engine", engine), ("operation", operation)])
            )
        }
        // The literals #function and #fileID are pointers into the binary: the same call site, the same key.
        guard function.hasPointerRepresentation, file.hasPointerRepresentation else { return make() }
        let key = SiteKey(engine: engine, function: UInt(bitPattern: function.utf8Start), file: UInt(bitPattern: file.utf8Start))
        if let site = sites.withLock({ $0[key] }) { return site }
        let site = make()
        sites.withLock { $0[key] = site }
        return site
    }
}
