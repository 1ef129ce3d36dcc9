import Foundation
import Testing

@testable import Outbound

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct IPAddressTests {
    @Test(arguments: [
        "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "017700000001", "127.0.0.1.",
        "0X7F.0.0.1", "127.0.1", "%31%32%37.0.0.1", "１２７．０．０．１", "127。0。0。1",
    ])
    func everyIPv4SpellingOfLoopbackIsTheSameAddressAndRefused(_ spelling: String) throws {
        let address = try #require(IPAddress(literal: spelling))
        #expect(address == .v4(0x7F00_0001))
        #expect(address.forbiddenReason == "loopback")
    }

    @Test(arguments: [
        "[::1]", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1", "[::ffff:7f00:1]", "0:0:0:0:0:ffff:127.0.0.1",
        "64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "2002:7f00:1::", "::127.0.0.1", "[::1%25lo]",
    ])
    func everyIPv6SpellingOfLoopbackIsRefused(_ spelling: String) throws {
        let address = try #require(IPAddress(literal: spelling))
        #expect(address.forbiddenReason == "loopback")
    }

    @Test(arguments: [
        ("0.0.0.0", "unspecified"), ("0", "unspecified"), ("0.1.2.3", "this network"),
        ("10.0.0.1", "private"), ("10.255.255.255", "private"), ("192.168.1.1", "private"), ("0xc0a80101", "private"),
        ("172.16.0.0", "private"), ("172.31.255.255", "private"),
        ("100.64.0.0", "carrier-grade NAT"), ("100.127.255.255", "carrier-grade NAT"),
        ("169.254.0.1", "link-local"), ("169.254.169.254", "cloud metadata"), ("0xa9fea9fe", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"), ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"), ("255.255.255.255", "broadcast"), ("192.0.0.8", "reserved"), ("192.88.99.1", "reserved"),
        ("192.0.2.1", "documentation"), ("198.51.100.7", "documentation"), ("203.0.113.9", "documentation"),
        ("198.18.0.1", "benchmarking"), ("198.19.255.255", "benchmarking"),
        ("::", "unspecified"), ("fc00::1", "private"), ("fd12:3456::1", "private"), ("fd00:ec2::254", "cloud metadata"),
        ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"), ("[fe80::1%25eth0]", "link-local"), ("febf::1", "link-local"),
        ("fec0::1", "site-local"), ("ff02::1", "multicast"), ("2001:db8::1", "documentation"), ("3fff::1", "documentation"),
        ("100::1", "discard-only"), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"), ("2001:2::1", "benchmarking"),
        ("2001:20::1", "reserved"), ("64:ff9b:1::a00:1", "local NAT64"), ("4000::1", "reserved"), ("::ffff:0:1", "this network"),
        ("::ffff:10.0.0.1", "private"), ("::ffff:a9fe:a9fe", "cloud metadata"), ("64:ff9b::192.168.0.1", "private"),
        ("2002:a9fe:a9fe::1", "cloud metadata"), ("2002:c0a8:101::", "private"), ("::10.1.2.3", "private"),
    ])
    func internalRangesAreRefusedWithTheirReason(_ literal: String, _ reason: String) throws {
        let address = try #require(IPAddress(literal: literal))
        #expect(address.forbiddenReason == reason)
    }

    @Test(arguments: [
        "93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "[2606:4700:4700::1001]", "172.15.255.255", "172.32.0.0",
        "100.63.255.255", "100.128.0.0", "169.253.255.255", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2001:4860:4860::8888", "2001:200::1",
    ])
    func publicAddressesAreAllowed(_ literal: String) throws {
        let address = try #require(IPAddress(literal: literal))
        #expect(address.forbiddenReason == nil)
    }

    @Test(arguments: [
        "example.com", "localhost", "1.2.3.4.5", "1..2", "0x", "256.0.0.1", "1.256.0.1", "1.2.65536", "1.16777216", "4294967296",
        "0x100000000", "08", "0189.0.0.1", "::ffff:1.2.3", "::ffff:1.2.3.04", "::ffff:256.1.1.1", "1:2:3:4:5:6:7:8:9", "1:2:3:4::5:6:7:8",
        ":::", "1::2::3", ":1::", "1:", "12345::", "1.2.3.4::", "fe80::1%", "[127.0.0.1]", "[::1", "::1]", "[]", "[", "",
        " 127.0.0.1", "127.0.0.1 ", "-1", "+1", "1.2.3.4..", ".", "0x7g", "%zz",
    ])
    func nonLiteralsAreNil(_ literal: String) {
        #expect(IPAddress(literal: literal) == nil)
    }

    @Test func hugeNumbersAreRejectedWithoutOverflowing() {
        #expect(IPAddress(literal: String(repeating: "9", count: 10_000)) == nil)
        #expect(IPAddress(literal: "0x" + String(repeating: "f", count: 10_000)) == nil)
        #expect(IPAddress(literal: String(repeating: "1.", count: 5_000)) == nil)
        #expect(IPAddress(literal: String(repeating: "1:", count: 5_000) + "1") == nil)
    }

    @Test(arguments: [
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"), ("::ffff:7f00:1", "::ffff:127.0.0.1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("FE80::1%eth0", "fe80::1"), ("::", "::"),
        ("::1", "::1"), ("1::", "1::"), ("[::1.2.3.4]", "::102:304"), ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"), ("4294967295", "255.255.255.255"),
    ])
    func descriptionIsCanonical(_ literal: String, _ canonical: String) throws {
        let address = try #require(IPAddress(literal: literal))
        #expect(address.description == canonical)
        #expect(IPAddress(literal: canonical) == address)
    }

    @Test func randomAddressesRoundTripThroughDescription() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let v4 = IPAddress.v4(rng.next())
            #expect(IPAddress(literal: v4.description) == v4)
            // Sprinkle zero groups so `::` compression and its tie-breaking get exercised.
            let groups: [UInt16] = (0..<8).map { _ in Bool.random(using: &rng) ? 0 : rng.next() }
            let v6 = IPAddress.v6(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
            #expect(IPAddress(literal: v6.description) == v6, "\(v6)")
            #expect(IPAddress(literal: "[\(v6)]") == v6)
        }
    }

    @Test func randomStringsNeverTrap() {
        let alphabet = Array("0123456789abcdefx.:[]%")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            let input = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            guard let address = IPAddress(literal: input) else { continue }
            _ = address.forbiddenReason
            #expect(IPAddress(literal: address.description) == address, "\(input)")
        }
    }

    @Test func socketAddressesFromTheResolverAreJudged() {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_addr.s_addr = UInt32(0xA9FE_A9FE).bigEndian
        let metadata = withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress(sockaddr: $0) } }
        #expect(metadata == .v4(0xA9FE_A9FE))
        #expect(metadata?.forbiddenReason == "cloud metadata")

        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &v6.sin6_addr) {
            $0[10] = 0xff
            $0[11] = 0xff
            $0[12] = 10
            $0[15] = 1
        }
        let mapped = withUnsafePointer(to: &v6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress(sockaddr: $0) } }
        #expect(mapped?.description == "::ffff:10.0.0.1")
        #expect(mapped?.forbiddenReason == "private")

        var unix = sockaddr()
        unix.sa_family = sa_family_t(AF_UNIX)
        #expect(IPAddress(sockaddr: &unix) == nil)
    }

    @Test func malformedV6PayloadIsRefusedNotTrapped() {
        #expect(IPAddress.v6([1, 2, 3]).forbiddenReason == "malformed")
        #expect(IPAddress.v6([]).description.contains("malformed"))
    }
}
