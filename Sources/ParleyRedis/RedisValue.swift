/// A RESP2 reply.
public enum RedisValue: Sendable, Hashable {
    case simpleString(String)
    /// Only seen nested (for example inside an array); a top-level error reply is thrown as `RedisError.server`.
    case error(String)
    case integer(Int)
    /// A bulk string; nil is the null bulk string (and the null array).
    case bulkString([UInt8]?)
    case array([RedisValue])

    /// The bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let string): Array(string.utf8)
        default: nil
        }
    }

    /// A bulk or simple string decoded as UTF-8.
    public var string: String? {
        switch self {
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        case .simpleString(let string): string
        default: nil
        }
    }

    public var int: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNil: Bool {
        if case .bulkString(nil) = self { return true }
        return false
    }
}

public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connecting, reading or writing failed, or timed out; the connection was dropped.
    case connection(String)
    /// The server answered with an error reply (`ERR ...`, `WRONGTYPE ...`, `NOSCRIPT ...`).
    case server(String)
    /// The reply was malformed, or not of the type a typed helper expected.
    case protocolError(String)

    /// What went wrong, without the kind.
    public var message: String {
        switch self {
        case .connection(let message), .server(let message), .protocolError(let message): message
        }
    }

    public var description: String {
        switch self {
        case .connection(let message): "redis connection error: \(message)"
        case .server(let message): "redis server error: \(message)"
        case .protocolError(let message): "redis protocol error: \(message)"
        }
    }
}
