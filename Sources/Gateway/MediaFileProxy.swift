import AsyncHTTPClient
import HTTPTypes
public import Hummingbird
import MediaService
import NIOCore
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

    func addRoutes<Context: APIRequestContext>(to router: Router<Context>) {
        router.put("/media/upload/:token") { request, context in try await forward(request, context: context) }
        router.get("/media/:owner/:file") { request, context in try await forward(request, context: context) }
    }

    func forward(_ request: Request, context: some APIRequestContext) async throws -> Response {
        let outgoing = APIClientRequest(
            passing: request,
            method: request.method,
            headers: Self.requestHeaders,
            context: APIContext(request: request, context: context)
        )
        let length = request.headers[.contentLength].flatMap(Int64.init)
        let body = request.method == .put ? HTTPClientRequest.Body.stream(request.body, length: length.map { .known($0) } ?? .unknown) : nil
        return try await transport.pass(outgoing, body: body, timeout: Self.timeout)
    }
}
