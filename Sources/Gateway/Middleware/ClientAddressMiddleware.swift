import Foundation
import HTTPTypes
import Hummingbird

/// Behind a load balancer every connection comes from the balancer; the client is in `X-Forwarded-For`. That header
/// is believed only when the peer is one of `TRUSTED_PROXIES`, since anyone else can write anything in it.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = ParleyServer.Context

    let trustedProxies: [CIDR]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trustedProxies.isEmpty, let peer = context.remoteAddress, isTrusted(peer),
            let header = request.headers[values: .xForwardedFor].joined(separator: ",").nonEmpty
        else { return try await next(request, context) }
        var context = context
        context.remoteAddress = clientAddress(peer: peer, forwardedFor: header)
        return try await next(request, context)
    }

    /// Walks the chain from the nearest hop outwards and stops at the first address that is not a trusted proxy:
    /// hops further out were written by the client itself. A malformed entry ends the walk at the last good hop.
    func clientAddress(peer: String, forwardedFor header: String) -> String {
        var client = peer
        for hop in header.split(separator: ",").reversed() {
            let address = hop.trimmingCharacters(in: .whitespaces)
            guard PeerAddress(address) != nil else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client
    }

    private func isTrusted(_ address: String) -> Bool {
        guard let ip = PeerAddress(address) else { return false }
        return trustedProxies.contains { $0.contains(ip) }
    }
}

extension HTTPField.Name {
    static var xForwardedFor: Self { Self("X-Forwarded-For") ?? .via }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// A peer's IPv4 or IPv6 address as bytes, in the strict notation of `inet_pton` (what proxies write in
/// `X-Forwarded-For`); an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is its IPv4 address.
public struct PeerAddress: Sendable, Hashable {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let raw = withUnsafeBytes(of: &v6) { Array($0) }
            bytes = raw.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) ? Array(raw.suffix(4)) : raw
        } else {
            return nil
        }
    }
}

/// A network as `TRUSTED_PROXIES` writes it: `10.0.0.0/8`, `2001:db8::/32`, or one address.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: PeerAddress
    public let prefixLength: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = PeerAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        network = address
        description = text
    }

    public func contains(_ address: PeerAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard a & mask == b & mask else { return false }
            remaining -= 8
        }
        return true
    }
}
