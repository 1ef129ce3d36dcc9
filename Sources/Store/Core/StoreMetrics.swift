import Metrics

/// How long store calls take, by engine and operation: `parley_store_duration` (a histogram in seconds on
/// `/metrics`). The engines time their one funnel (SQLite's reads and writes, MongoDB's `run`), which names the
/// repository method that called it.
public enum StoreMetrics {
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

    public static func record(engine: String, operation: String, since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        Timer(label: "parley_store_duration", dimensions: [("engine", engine), ("operation", operation)])
            .recordSeconds(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
