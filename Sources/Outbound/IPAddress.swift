public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, and the policy for which ones the server may contact on a user's behalf (SSRF).
///
/// Judging the URL host alone is not enough: a host name can resolve (or later rebind) to 127.0.0.1, so the caller must also judge
/// every address DNS returns (`init(sockaddr:)`) and connect to the address it judged rather than resolving the name again.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Host byte order.
    case v4(UInt32)
    /// Network byte order; exactly 16 bytes (any other count is judged "malformed").
    case v6([UInt8])

    /// Parses a URL host the way browsers, `inet_aton` and `getaddrinfo` would, so that no spelling of an address slips past as a "name":
    /// 1–4 dotted IPv4 parts in decimal, hex (`0x7f`) or octal (`0177`), the last part filling the remaining bytes (`127.1`);
    /// IPv6 with or without brackets, `::`, a dotted IPv4 tail and a zone (`%eth0`, dropped). Returns nil for a host name.
    public init?(literal: String) {
        var host = Substring(literal)
        let bracketed = host.hasPrefix("[")
        if bracketed {
            guard host.count >= 2, host.hasSuffix("]") else { return nil }
            host = host.dropFirst().dropLast()
        }
        if host.contains(":") {
            guard let bytes = Self.parseV6(host) else { return nil }
            self = .v6(bytes)
        } else if !bracketed, let value = Self.parseV4(Self.urlNormalized(host)) {
            self = .v4(value)
        } else {
            return nil
        }
    }

    /// Reads a `sockaddr_in` or `sockaddr_in6`, e.g. one of getaddrinfo's results; nil for any other family.
    public init?(sockaddr address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            self = .v4(address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) })
        case AF_INET6:
            self = .v6(address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } })
        default:
            return nil
        }
    }

    /// Why the server must not connect to this address, or nil if it is public unicast.
    public var forbiddenReason: String? {
        switch self {
        case .v4(let address): Self.v4Reason(address)
        case .v6(let bytes): Self.v6Reason(bytes)
        }
    }

    /// Dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed, IPv4-mapped addresses as `::ffff:a.b.c.d`).
    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
        case .v6(let b):
            guard b.count == 16 else { return "<malformed IPv6 of \(b.count) bytes>" }
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
                return "::ffff:" + IPAddress.v4(Self.uint32(b[12..<16])).description
            }
            let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
            var best = (start: 0, length: 1)  // RFC 5952 §4.2.2: a lone zero group is never shortened to "::"
            var i = 0
            while i < 8 {
                var end = i
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - i > best.length { best = (i, end - i) }
                i = max(end, i + 1)
            }
            let hex = { (slice: ArraySlice<UInt16>) in slice.map { String($0, radix: 16) }.joined(separator: ":") }
            guard best.length > 1 else { return hex(groups[...]) }
            return hex(groups[..<best.start]) + "::" + hex(groups[(best.start + best.length)...])
        }
    }

    // MARK: - Policy

    private struct Rule: Sendable {
        let prefix: UInt32, bits: Int, reason: String
        func contains(_ a: UInt32) -> Bool { a >> (32 - bits) == prefix >> (32 - bits) }
    }

    /// First match wins, so single addresses come before the blocks that contain them.
    private static let v4Rules: [Rule] = [
        Rule(prefix: 0xA9FE_A9FE, bits: 32, reason: "cloud metadata"),  // 169.254.169.254: AWS, GCP, Azure, OpenStack...
        Rule(prefix: 0x6464_64C8, bits: 32, reason: "cloud metadata"),  // 100.100.100.200: Alibaba
        Rule(prefix: 0xFFFF_FFFF, bits: 32, reason: "broadcast"),
        Rule(prefix: 0x0000_0000, bits: 32, reason: "unspecified"),  // Linux delivers connect(0.0.0.0) to the local host
        Rule(prefix: 0x0000_0000, bits: 8, reason: "this network"),
        Rule(prefix: 0x0A00_0000, bits: 8, reason: "private"),
        Rule(prefix: 0x6440_0000, bits: 10, reason: "carrier-grade NAT"),
        Rule(prefix: 0x7F00_0000, bits: 8, reason: "loopback"),
        Rule(prefix: 0xA9FE_0000, bits: 16, reason: "link-local"),
        Rule(prefix: 0xAC10_0000, bits: 12, reason: "private"),
        Rule(prefix: 0xC000_0000, bits: 24, reason: "reserved"),  // IETF protocol assignments
        Rule(prefix: 0xC000_0200, bits: 24, reason: "documentation"),
        Rule(prefix: 0xC058_6300, bits: 24, reason: "reserved"),  // former 6to4 relay anycast
        Rule(prefix: 0xC0A8_0000, bits: 16, reason: "private"),
        Rule(prefix: 0xC612_0000, bits: 15, reason: "benchmarking"),
        Rule(prefix: 0xC633_6400, bits: 24, reason: "documentation"),
        Rule(prefix: 0xCB00_7100, bits: 24, reason: "documentation"),
        Rule(prefix: 0xE000_0000, bits: 4, reason: "multicast"),
        Rule(prefix: 0xF000_0000, bits: 4, reason: "reserved"),
    ]

    private static func v4Reason(_ address: UInt32) -> String? {
        v4Rules.first { $0.contains(address) }?.reason
    }

    private static func v6Reason(_ b: [UInt8]) -> String? {
        guard b.count == 16 else { return "malformed" }
        let hi = b[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        let lo = b[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        let embedded = UInt32(truncatingIfNeeded: lo)
        func under(_ prefix: UInt64, _ bits: Int) -> Bool { hi >> (64 - bits) == prefix >> (64 - bits) }

        if hi == 0 && lo == 0 { return "unspecified" }
        if hi == 0 && lo == 1 { return "loopback" }
        // These reach the IPv4 address in their low bits (dual-stack sockets, NAT64, 6to4 relays), so it is that address we judge.
        if hi == 0 && lo >> 32 == 0xffff { return v4Reason(embedded) }  // ::ffff:0:0/96 IPv4-mapped
        if hi == 0 && lo >> 32 == 0 { return v4Reason(embedded) }  // ::/96 IPv4-compatible (deprecated)
        if hi == 0x0064_ff9b_0000_0000 && lo >> 32 == 0 { return v4Reason(embedded) }  // 64:ff9b::/96 NAT64
        if under(0x2002 << 48, 16) { return v4Reason(UInt32(truncatingIfNeeded: hi >> 16)) }  // 2002::/16 6to4
        // Local-use NAT64 may put the IPv4 address at any RFC 6052 offset, so we cannot tell which one it reaches.
        if under(0x0064_ff9b_0001 << 16, 48) { return "local NAT64" }
        if under(0x2001 << 48, 32) { return "teredo" }  // relayed to a client address we cannot vouch for
        if under(0x2001_0db8 << 32, 32) || under(0x3fff << 48, 20) { return "documentation" }
        if under(0x2001_0002 << 32, 48) { return "benchmarking" }
        // The rest of 2001::/23 is protocol anycast (TURN, AMT, AS112, ORCHID): nothing a preview or push may target.
        if under(0x2001 << 48, 23) { return "reserved" }
        if hi == 0x0100_0000_0000_0000 { return "discard-only" }
        if hi == 0xfd00_0ec2_0000_0000 && lo == 0x254 { return "cloud metadata" }  // fd00:ec2::254: AWS
        if under(0xfc00 << 48, 7) { return "private" }
        if under(0xfe80 << 48, 10) { return "link-local" }
        if under(0xfec0 << 48, 10) { return "site-local" }
        if under(0xff00 << 48, 8) { return "multicast" }
        return under(0x2000 << 48, 3) ? nil : "reserved"
    }

    // MARK: - Parsing

    /// URL parsers (WHATWG) percent-decode a host and IDNA-map it (NFKC: fullwidth digits, `．`, `。`) before deciding it is an IPv4
    /// number, so `%31%32%37.0.0.1` and `１２７．０．０．１` reach 127.0.0.1 in a browser-grade client and must be caught here too.
    private static func urlNormalized(_ host: Substring) -> [UInt8] {
        let decoded = String(host).removingPercentEncoding ?? String(host)
        if decoded.utf8.allSatisfy({ $0 < 0x80 }) { return Array(decoded.utf8) }
        return Array(decoded.precomposedStringWithCompatibilityMapping.replacingOccurrences(of: "\u{3002}", with: ".").utf8)
    }

    private static func parseV4(_ text: [UInt8]) -> UInt32? {
        var parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if parts.count > 1 && parts.last!.isEmpty { parts.removeLast() }  // one trailing dot is the DNS root, still the same address
        guard (1...4).contains(parts.count) else { return nil }
        var result: UInt64 = 0
        for (index, part) in parts.enumerated() {
            guard let number = parseV4Number(Array(part)) else { return nil }
            let remainingBytes = 4 - index  // inet_aton: the last part fills every byte left, so `127.1` is 127.0.0.1
            if index == parts.count - 1 {
                guard number < 1 << (8 * remainingBytes) else { return nil }
                result |= number
            } else {
                guard number <= 255 else { return nil }
                result |= number << (8 * (remainingBytes - 1))
            }
        }
        return UInt32(result)
    }

    private static func parseV4Number(_ digits: [UInt8]) -> UInt64? {
        var radix: UInt64 = 10
        var start = 0
        if digits.count >= 2 && digits[0] == UInt8(ascii: "0") && (digits[1] | 0x20) == UInt8(ascii: "x") {
            radix = 16
            start = 2
        } else if digits.count >= 2 && digits[0] == UInt8(ascii: "0") {
            radix = 8
            start = 1
        }
        guard start < digits.count else { return nil }
        var value: UInt64 = 0
        for c in digits[start...] {
            guard let digit = hexValue(c), digit < radix else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    private static func parseV6(_ host: Substring) -> [UInt8]? {
        var text = host
        if let percent = text.firstIndex(of: "%") {
            guard text.index(after: percent) < text.endIndex else { return nil }
            text = text[..<percent]
        }
        let utf8 = Array(text.utf8)
        let colon = UInt8(ascii: ":")
        let gap = utf8.indices.dropLast().first { utf8[$0] == colon && utf8[$0 + 1] == colon }
        let groups: [UInt16]
        if let gap {
            guard let head = parseGroups(utf8[..<gap], dottedTail: false),
                let tail = parseGroups(utf8[(gap + 2)...], dottedTail: true),
                head.count + tail.count <= 7  // `::` stands for at least one zero group
            else { return nil }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(utf8[...], dottedTail: true), all.count == 8 else { return nil }
            groups = all
        }
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// Colon-separated hex groups; the last may be a strict dotted quad (as inet_pton: decimal, no leading zeros), worth two groups.
    private static func parseGroups(_ text: ArraySlice<UInt8>, dottedTail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count <= 8 else { return nil }
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if dottedTail && index == parts.count - 1 && part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseStrictDottedQuad(part) else { return nil }
                groups += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
            } else {
                guard (1...4).contains(part.count) else { return nil }
                var value: UInt16 = 0
                for c in part {
                    guard let digit = hexValue(c) else { return nil }
                    value = value << 4 | UInt16(digit)
                }
                groups.append(value)
            }
        }
        return groups
    }

    private static func parseStrictDottedQuad(_ text: ArraySlice<UInt8>) -> UInt32? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.count == 1 || part.first != UInt8(ascii: "0") else { return nil }
            var value: UInt32 = 0
            for c in part {
                guard let digit = hexValue(c), digit < 10 else { return nil }
                value = value * 10 + UInt32(digit)
            }
            guard value <= 255 else { return nil }
            result = result << 8 | value
        }
        return result
    }

    private static func hexValue(_ c: UInt8) -> UInt64? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func uint32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
