import AsyncHTTPClient
public import Foundation
import Logging
public import NIOCore
public import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// HTTP requests to URLs that users choose (link previews, push endpoints), which must not reach the server's
/// own network: the host is resolved here, every address it resolves to is checked, and the connection goes
/// to the address that was checked (a DNS answer that changes between check and connect cannot slip in).
/// Redirects are not followed; a caller that follows one sends a new request, checked again.
public struct OutboundClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: ByteBuffer
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupportedURL(String)
        case forbiddenAddress(String)
        case unresolvable(String)
        case tooLarge(limit: Int)
        case timedOut

        public var description: String {
            switch self {
            case .unsupportedURL(let why): "unsupported URL: \(why)"
            case .forbiddenAddress(let why): "refused target: \(why)"
            case .unresolvable(let host): "cannot resolve \(host)"
            case .tooLarge(let limit): "response larger than \(limit) bytes"
            case .timedOut: "timed out"
            }
        }
    }

    /// Which of the addresses the server must not reach are reached anyway: test configurations only.
    public enum Exceptions: Sendable, Equatable {
        case none
        case all
        case only(Set<IPAddress>)

        func allows(_ address: IPAddress) -> Bool {
            switch self {
            case .none: false
            case .all: true
            case .only(let addresses): addresses.contains(address)
            }
        }
    }

    public var exceptions: Exceptions
    let tls: TLSConfiguration

    public init(exceptions: Exceptions = .none, extraTrustRoots caFile: String? = nil) {
        self.exceptions = exceptions
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        self.tls = tls
    }

    /// Sends one request, reading at most `maxBody` bytes of the answer, all within `timeout`.
    public func send(
        _ method: HTTPMethod = .GET,
        to url: URL,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil,
        timeout: Duration,
        maxBody: Int
    ) async throws -> Response {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw Failure.unsupportedURL("only http and https")
        }
        guard let host = url.host, !host.isEmpty else { throw Failure.unsupportedURL("no host") }
        if url.user != nil || url.password != nil { throw Failure.unsupportedURL("credentials in the URL") }
        let address = try await checkedAddress(of: host)

        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(timeout), read: .init(timeout))
        )
        configuration.dnsOverride = [host: address.description]
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(body) }
        return try await withDeadline(timeout) { [configuration, request] in
            try await HTTPClient.withHTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration) { client in
                let response = try await client.execute(request, timeout: .init(timeout))
                var collected = ByteBuffer()
                for try await chunk in response.body {
                    guard collected.readableBytes + chunk.readableBytes <= maxBody else { throw Failure.tooLarge(limit: maxBody) }
                    collected.writeImmutableBuffer(chunk)
                }
                return Response(status: Int(response.status.code), headers: response.headers, body: collected)
            }
        }
    }

    /// The address to connect to for `host`: the literal itself, or the first of its DNS answers; refused when
    /// any answer is in a range the server must not reach.
    func checkedAddress(of host: String) async throws -> IPAddress {
        let addresses: [IPAddress]
        if let literal = IPAddress(literal: host) {
            addresses = [literal]
        } else {
            addresses = try await Self.resolver.runIfActive { try Self.resolve(host) }
        }
        guard let first = addresses.first else { throw Failure.unresolvable(host) }
        for address in addresses where !exceptions.allows(address) {
            if let reason = address.forbiddenReason { throw Failure.forbiddenAddress("\(host) is \(address), \(reason)") }
        }
        return first
    }

    /// getaddrinfo blocks, for as long as a slow DNS server takes: on threads of its own, never those that serve
    /// files (`NIOThreadPool.singleton`).
    static let resolver: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    static func resolve(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { throw Failure.unresolvable(host) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let entry = next {
            if let socketAddress = entry.pointee.ai_addr, let address = IPAddress(sockaddr: socketAddress), !addresses.contains(address) {
                addresses.append(address)
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }

    private func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure.timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Failure.timedOut }
            return first
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
