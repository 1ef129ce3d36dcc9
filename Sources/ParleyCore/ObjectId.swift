public import Foundation
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
    @inlinable
    public init?(_ string: some StringProtocol) {
        // Inlinable, so that a caller's String is read as its contiguous UTF-8: every id of every event and request
        // comes through here, and a generic walk over `utf8`, unspecialised across modules, cost several times more.
        let utf8 = string.utf8
        guard let parsed = utf8.withContiguousStorageIfAvailable({ Self.parse($0) }) ?? Array(utf8).withUnsafeBufferPointer({ Self.parse($0) })
        else { return nil }
        self.init(high: parsed.0, low: parsed.1)
    }

    @usableFromInline
    static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt32)? {
        guard utf8.count == 24 else { return nil }
        var high: UInt64 = 0
        var low: UInt32 = 0
        for index in 0..<24 {
            let byte = utf8[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if index < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt32(nibble) }
        }
        return (high, low)
    }

    public init(high: UInt64, low: UInt32) { bytes = (high, low) }

    /// The smallest id made at `date` (clamped to the seconds an id can hold): ids below it were made before.
    public static func earliest(at date: Date) -> ObjectId {
        let seconds = date.timeIntervalSince1970
        let clamped = seconds.isNaN ? 0 : UInt64(max(0, min(seconds, Double(UInt32.max))))
        return ObjectId(high: clamped << 32, low: 0)
    }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(bytes.0 >> 32)) }

    public var description: String {
        var out = [UInt8]()
        out.reserveCapacity(24)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 24 hex characters to `out`.
    public func appendHex(to out: inout [UInt8]) {
        // Every id of every response goes through here: one append of 24 bytes, not 24 appends.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            for index in 0..<16 { buffer[index] = Self.hexDigit(bytes.0 >> UInt64(60 - 4 * index)) }
            for index in 0..<8 { buffer[16 + index] = Self.hexDigit(UInt64(bytes.1 >> UInt32(28 - 4 * index))) }
            out.append(contentsOf: buffer)
        }
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt64) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value & 0xF)
        return nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    public static func == (a: ObjectId, b: ObjectId) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0)
        hasher.combine(bytes.1)
    }
    public static func < (a: ObjectId, b: ObjectId) -> Bool { a.bytes < b.bytes }
}
