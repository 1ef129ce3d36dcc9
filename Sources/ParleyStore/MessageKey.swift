public import Foundation
public import ParleyCore

/// A message's place in its chat: `(createdAt, _id)`, a total order that new messages never reshuffle.
/// Pages of history continue strictly before a key, so they never repeat or skip a message.
public struct MessageKey: Sendable, Hashable, Comparable {
    public var createdAt: Date
    public var id: ObjectId

    public init(createdAt: Date, id: ObjectId) {
        self.createdAt = createdAt.storePrecision
        self.id = id
    }

    public static func < (a: MessageKey, b: MessageKey) -> Bool {
        let (x, y) = (a.createdAt.millisecondsSince1970, b.createdAt.millisecondsSince1970)
        return x != y ? x < y : a.id < b.id
    }

    /// Opaque to clients: base64url of the milliseconds and the id's bytes.
    public var cursor: String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: createdAt.millisecondsSince1970.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: id.bytes.0.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: id.bytes.1.bigEndian) { bytes += $0 }
        return Base64URL.encode(bytes)
    }

    /// Nil for anything a server did not hand out.
    public init?(cursor: String) {
        guard cursor.count == 27, let data = Base64URL.decode(cursor), data.count == 20 else { return nil }
        let bytes = Array(data)
        func integer<T: FixedWidthInteger>(_ range: Range<Int>, _: T.Type) -> T { bytes[range].reduce(T.zero) { $0 << 8 | T($1) } }
        // Only dates a store can hold: any other value would not survive the round trip through `Date`.
        let milliseconds = integer(0..<8, Int64.self)
        guard Date.storableMilliseconds.contains(milliseconds) else { return nil }
        self.init(
            createdAt: Date(millisecondsSince1970: milliseconds),
            id: ObjectId(high: integer(8..<16, UInt64.self), low: integer(16..<20, UInt32.self))
        )
    }
}

/// A position in a user's chat list: pinned chats first, then by last activity.
public struct ChatListKey: Sendable, Hashable {
    public var pinned: Bool
    public var updatedAt: Date
    public var id: ObjectId

    public init(pinned: Bool, updatedAt: Date, id: ObjectId) {
        self.pinned = pinned
        self.updatedAt = updatedAt.storePrecision
        self.id = id
    }

    public var cursor: String {
        (pinned ? "p" : "u") + MessageKey(createdAt: updatedAt, id: id).cursor
    }

    public init?(cursor: String) {
        guard let first = cursor.first, first == "p" || first == "u", let key = MessageKey(cursor: String(cursor.dropFirst())) else { return nil }
        self.init(pinned: first == "p", updatedAt: key.createdAt, id: key.id)
    }
}
