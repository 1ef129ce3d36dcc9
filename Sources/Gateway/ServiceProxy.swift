import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyAPI

/// A remote service's public routes at the gateway, passed through as they came: the gateway authenticates the caller
/// and applies its policies (CORS, rate limits, request ids), then hands the body to the service unread and gives its
/// answer back unparsed. The service validates and answers in the contract's shape, so a request is decoded and encoded
/// once, in the process that handles it, as in the monolith.
struct ServiceProxy: Sendable {
    let transport: ServiceTransport

    /// What of the client's request the service reads beyond what the gateway forwards itself (caller, address, user
    /// agent, request id, trace): the body's type and the refresh cookie.
    static let requestHeaders: [HTTPField.Name] = [.contentType, .cookie]

    func addRoutes<Context: APIRequestContext>(_ routes: [APIRouteDescriptor], to router: Router<Context>, security: any APISecurity) {
        for route in routes {
            router.on(RouterPath(route.registeredPath), method: route.method) { request, context in
                try await forward(request, as: route, context: context, security: security)
            }
        }
    }

    private func forward(
        _ request: Request,
        as route: APIRouteDescriptor,
        context: some APIRequestContext,
        security: any APISecurity
    ) async throws -> Response {
        var request = request
        let api = APIContext(request: request, context: context)
        // The route's method, not the request's: a HEAD the router answers with the GET route is a GET to the service.
        var outgoing = APIClientRequest(passing: request, method: route.method, headers: Self.requestHeaders, context: api)
        if route.security != nil { outgoing.forward(caller: try await security.caller(from: request, context: context, api: api)) }
        let body = try await request.collectBody(upTo: APILimits.maxBodySize)
        if body.readableBytes > 0 { outgoing.body = Array(buffer: body) }
        return try await transport.pass(outgoing, collected: true)
    }
}

extension APIClientRequest {
    /// `request` on its way to a service: its path and query, the `headers` of it the service reads, and what the
    /// gateway established (`context`: request id, client address, user agent).
    init(passing request: Request, method: HTTPRequest.Method, headers: [HTTPField.Name], context: APIContext) {
        self.init(method: method, path: request.uri.path, context: context)
        for (name, value) in request.uri.queryParameters { query.append((String(name), String(value))) }
        for name in headers { if let value = request.headers[name] { self.headers[name] = value } }
    }
}

extension ServiceTransport {
    /// Hop-by-hop headers (RFC 9110 §7.6.1) are this connection's, not the answer's.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"]

    /// The service's answer to `request` as the gateway's: its body streamed through, or `collected` first (an API
    /// answer of at most a few megabytes is handed on faster whole than chunk by chunk).
    func pass(
        _ request: APIClientRequest,
        body: HTTPClientRequest.Body? = nil,
        timeout: TimeAmount? = nil,
        collected: Bool = false
    ) async throws -> Response {
        let response = try await execute(request, body: body, timeout: timeout)
        let status = HTTPResponse.Status(code: Int(response.status.code))
        guard collected else {
            return Response(
                status: status,
                headers: HTTPFields(response.headers, excluding: Self.hopByHop),
                body: ResponseBody(asyncSequence: response.body)
            )
        }
        let bytes = try await collect(response, path: request.path)
        // The length goes with the body.
        return Response(
            status: status,
            headers: HTTPFields(response.headers, excluding: Self.hopByHop.union(["content-length"])),
            body: .init(byteBuffer: bytes)
        )
    }
}
