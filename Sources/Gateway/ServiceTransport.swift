import AsyncHTTPClient
import HTTPTypes
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ParleyAPI
import Tracing

/// Carries the generated clients' requests to a service in its own process: pooled keep-alive connections, the
/// internal secret on every request, a request retried when it never left (the connection was refused) or when it is a
/// read, and a service that does not answer turned into the contract's 503 rather than a hang.
public struct ServiceTransport: APITransport {
    public let service: String
    let baseURL: String
    let secret: String
    let client: ServiceHTTPClient
    let logger: Logger

    static let attempts = 3
    /// Far above any answer of the API (a page of 100 messages of 10,000 characters is about 2 MiB).
    static let maxResponse = 16 << 20

    /// `baseURL` is scheme, host and port (`http://messages:8080`); the request's path is appended to it.
    public init(service: String, baseURL: String, secret: String, client: ServiceHTTPClient, logger: Logger) {
        self.service = service
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.secret = secret
        self.client = client
        self.logger = logger
    }

    public func send(_ request: APIClientRequest) async throws -> APIClientResponse {
        let response = try await execute(request)
        let body = try await collect(response, path: request.path)
        return APIClientResponse(
            status: HTTPResponse.Status(code: Int(response.status.code)),
            headers: HTTPFields(response.headers),
            body: Array(buffer: body)
        )
    }

    func collect(_ response: HTTPClientResponse, path: String) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: Self.maxResponse)
        } catch {
            throw failed(path, attempts: 1, error)
        }
    }

    /// Sends `request` in a client span whose context goes along as `traceparent` (the service's spans join the caller's
    /// trace), with the internal secret; the answer's body is the caller's to read. `body` streams instead of the
    /// request's bytes, and is sent once: a stream cannot be read again.
    func execute(_ request: APIClientRequest, body: HTTPClientRequest.Body? = nil, timeout: TimeAmount? = nil) async throws -> HTTPClientResponse {
        try await withSpan("\(service) \(request.method.rawValue)", ofKind: .client) { span in
            span.attributes["http.request.method"] = request.method.rawValue
            span.attributes["url.path"] = request.path
            var outgoing = HTTPClientRequest(url: baseURL + request.target)
            outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
            for field in request.headers { outgoing.headers.add(name: field.name.rawName, value: field.value) }
            outgoing.headers.replaceOrAdd(name: ForwardedHeader.internalSecret.rawName, value: secret)
            InstrumentationSystem.instrument.inject(span.context, into: &outgoing.headers, using: HeadersInjector())
            if let body {
                outgoing.body = body
            } else if let bytes = request.body {
                outgoing.body = .bytes(ByteBuffer(bytes: bytes))
            }
            let response = try await execute(
                outgoing,
                path: request.path,
                reads: request.method == .get || request.method == .head,
                once: body != nil,
                timeout: timeout ?? client.timeout
            )
            span.attributes["http.response.status_code"] = Int(response.status.code)
            return response
        }
    }

    private func execute(_ outgoing: HTTPClientRequest, path: String, reads: Bool, once: Bool, timeout: TimeAmount) async throws -> HTTPClientResponse
    {
        var attempt = 1
        while true {
            do {
                return try await client.http.execute(outgoing, timeout: timeout, logger: logger)
            } catch {
                // A write is sent again only when it cannot have arrived: repeating one that did could apply it twice. A
                // call that ran out of time is not repeated either: the caller has waited long enough.
                let retry = Self.neverSent(error) || (reads && (error as? HTTPClientError) != .deadlineExceeded)
                guard attempt < Self.attempts, retry, !once, !Task.isCancelled else { throw failed(path, attempts: attempt, error) }
                try? await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
    }

    private func failed(_ path: String, attempts: Int, _ error: any Error) -> APIError {
        logger.warning("service call failed", metadata: ["service": "\(service)", "path": "\(path)", "attempts": "\(attempts)", "error": "\(error)"])
        return APIError.unavailable("The \(service) service is not available; try again shortly")
    }

    private struct HeadersInjector: Injector {
        func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) { headers.replaceOrAdd(name: key, value: value) }
    }

    private static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if case .connectTimeout? = error as? ChannelError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }
}

/// The one HTTP client a process uses to reach its sibling services; shut it down when the server stops.
public final class ServiceHTTPClient: Sendable {
    let http: HTTPClient
    let timeout: TimeAmount

    /// `timeout` bounds a whole call: a service that accepts connections but never answers is a 503 after it.
    public init(timeout: Duration = .seconds(10)) {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(1)),
            connectionPool: .init(idleTimeout: .seconds(55), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        )
        // A refused connection fails the request at once; ServiceTransport decides whether to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // ServiceTransport opens the client span and sends its context itself.
        configuration.tracing.tracer = nil
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        self.timeout = TimeAmount(timeout)
    }

    public func shutdown() async throws { try await http.shutdown() }
}

extension HTTPFields {
    /// A service's answer's headers as Hummingbird's, without those named in `excluded` (lowercase); a name HTTP does
    /// not allow is dropped.
    init(_ headers: HTTPHeaders, excluding excluded: Set<String> = []) {
        self.init()
        for header in headers where !excluded.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { append(HTTPField(name: name, value: header.value)) }
        }
    }
}
