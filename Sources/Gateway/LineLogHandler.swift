import Foundation
public import Logging
import ParleyAPI

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One log line per entry in a format a log pipeline parses: `logfmt` (`key=value` pairs) or `json` (an object per
/// line). Metadata keys become fields, so the request id, route and user of an access-log line can be queried.
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, logfmt, json }

    let label: String
    let format: Format
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String, format: Format) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let time = Timestamp.format(Date())
        let line = Self.render(format, time: time, level: event.level, label: label, message: "\(event.message)", fields: fields)
        // One write(2) per line, unbuffered, so lines of concurrent requests never interleave.
        Array(line.utf8).withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let result = write(STDOUT_FILENO, base + written, buffer.count - written)
                if result <= 0 { return }
                written += result
            }
        }
    }

    static func render(_ format: Format, time: String, level: Logger.Level, label: String, message: String, fields: Logger.Metadata) -> String {
        let keys = fields.keys.sorted()
        switch format {
        case .json:
            var writer = JSONWriter()
            writer.beginObject()
            for (key, value) in [("time", time), ("level", level.rawValue), ("label", label), ("msg", message)] {
                writer.key(key)
                writer.string(value)
            }
            for key in keys {
                writer.key(key)
                writer.string(fields[key].map { "\($0)" } ?? "")
            }
            writer.endObject()
            return writer.string + "\n"
        case .logfmt, .text:
            var pairs = [("time", time), ("level", level.rawValue), ("label", label), ("msg", message)]
            pairs += keys.map { ($0, fields[$0].map { "\($0)" } ?? "") }
            return pairs.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ") + "\n"
        }
    }

    /// Bare when it can be, else quoted with `"` and `\` escaped and control characters spelled out.
    static func logfmtValue(_ value: String) -> String {
        let bare = !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7f }
        if bare { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
