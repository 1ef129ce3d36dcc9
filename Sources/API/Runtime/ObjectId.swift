import Foundation
import Synchronization

/// A MongoDB ObjectId: 4 bytes of seconds since the epoch, 5 random bytes per process, a 3-byte counter.
/// On the wire it is 24 lowercase hex characters.
public struct ObjectId: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: (UInt64, UInt32)  // 12 bytes, big-endian order preserved for comparison

    private static let processRandom: UInt64 = UInt64.random(in: 0..<(1 << 40))
    private static let counter = Atomic<UInt32>(UInt32.random(in: 0..<(1 << 24)))

    /// A new id for the current time.
    public init(date: Date = Date()) {
        let seconds = UInt64(UInt32(truncatingIfNeeded: Int64(date.timeIntervalSince1970)))
        let count = Self.counter.add(1, ordering: .relaxed).newValue & 0xFF_FFFF
        let high = seconds << 32 | (Self.processRandom >> 8)
        let low = UInt32(truncatingIfNeeded: Self.processRandom & 0xFF) << 24 | count
        bytes = (high, low)
    }

    /// Parses 24 lowercase hex characters; anything else is nil.
    public init?(_ string: some StringProtocol) {
        guard string.utf8.count == 24 else { return nil }
        var high: UInt64 = 0
        var low: UInt32 = 0
        for (i, byte) in string.utf8.enumerated() {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if i < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt32(nibble) }
        }
        bytes = (high, low)
    }

    public init(high: UInt64, low: UInt32) { bytes = (high, low) }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(bytes.0 >> 32)) }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 24)
        var high = bytes.0
        var low = bytes.1
        for i in stride(from: 23, through: 16, by: -1) {
            out[i] = digits[Int(low & 0xF)]
            low >>= 4
        }
        for i in stride(from: 15, through: 0, by: -1) {
            out[i] = digits[Int(high & 0xF)]
            high >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func == (a: ObjectId, b: ObjectId) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0)
        hasher.combine(bytes.1)
    }
    public static func < (a: ObjectId, b: ObjectId) -> Bool { a.bytes < b.bytes }
}
