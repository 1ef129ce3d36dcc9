import AsyncHTTPClient
import HTTPTypes
public import Hummingbird
import MediaService
import NIOCore
import NIOHTTP1
public import ParleyAPI

/// Where the embedded storage's upload and download routes (`MediaFiles.routes`) are answered.
public protocol MediaFileRoutes: Sendable {
    func addRoutes<Context: APIRequestContext>(to router: Router<Context>)
}

extension MediaFiles: MediaFileRoutes {}

/// The embedded storage's file routes at the gateway when the media service runs in its own process: each upload and
/// download streams through to the media service, which keeps the files and their records, so the gateway holds
/// neither a folder of media nor a store.
struct MediaFileProxy: MediaFileRoutes {
    let transport: ServiceTransport

    /// A whole transfer: a large file on a slow link takes minutes. A client that stops sending is cut off sooner by
    /// the server's body stall timeout.
    static let timeout = TimeAmount.minutes(30)
    /// What the media service reads of a request: the upload's type and size, a download's range.
    static let requestHeaders: [HTTPField.Name] = [.contentType, .contentLength, .range]
    /// Hop-by-hop headers (RFC 9110 §7.6.1) are this connection's, not the answer's.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"]

    func addRoutes<Context: APIRequestContext>(to router: Router<Context>) {
        router.put("/media/upload/:token") { request, context in try await forward(request, context: context) }
        router.get("/media/:owner/:file") { request, context in try await forward(request, context: context) }
    }

    func forward(_ request: Request, context: some APIRequestContext) async throws -> Response {
        var outgoing = HTTPClientRequest(url: transport.baseURL + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for name in Self.requestHeaders {
            if let value = request.headers[name] { outgoing.headers.add(name: name.rawName, value: value) }
        }
        outgoing.headers.add(name: ForwardedHeader.internalSecret.rawName, value: transport.secret)
        outgoing.headers.add(name: ForwardedHeader.requestID.rawName, value: context.requestID)
        if request.method == .put {
            let length = request.headers[.contentLength].flatMap(Int64.init)
            outgoing.body = .stream(request.body, length: length.map { .known($0) } ?? .unknown)
        }
        let response: HTTPClientResponse
        do {
            response = try await transport.client.http.execute(outgoing, timeout: Self.timeout, logger: context.logger)
        } catch {
            context.logger.warning("media file transfer failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError.unavailable("The media service is not available; try again shortly")
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code)),
            headers: HTTPFields(response.headers, excluding: Self.hopByHop),
            body: ResponseBody(asyncSequence: response.body)
        )
    }
}
