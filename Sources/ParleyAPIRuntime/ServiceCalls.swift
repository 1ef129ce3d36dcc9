public import HTTPTypes
public import Hummingbird
import HummingbirdAuth

/// What a gateway tells a service running in its own process, besides the request itself: the caller it
/// authenticated, the client's address, and the request id. A service believes them only next to the internal secret.
public enum ForwardedHeader {
    // Literal names that HTTPField.Name always accepts.
    public static let internalSecret = HTTPField.Name("X-Internal-Secret")!
    public static let userID = HTTPField.Name("X-Parley-User-Id")!
    public static let userEmail = HTTPField.Name("X-Parley-User-Email")!
    public static let requestID = HTTPField.Name("X-Request-Id")!
    public static let clientAddress = HTTPField.Name("X-Forwarded-For")!
}

extension APIClientRequest {
    /// The caller the gateway authenticated, so that the service does not verify the token again.
    public mutating func forward(caller: Caller) {
        headers[ForwardedHeader.userID] = caller.userId.description
        headers[ForwardedHeader.userEmail] = caller.email
    }
}

/// In front of a service in its own process: refuses every request that does not present the internal secret
/// (except the paths in `open`: health checks and metrics), and puts what the gateway forwarded in the context, so
/// that routes find the caller as they do behind the gateway's `BearerAuthenticator`.
public struct InternalCallerMiddleware<Context: APIRequestContext>: RouterMiddleware {
    let secret: [UInt8]
    let open: Set<String>

    public init(secret: String, open: Set<String> = []) {
        self.secret = Array(secret.utf8)
        self.open = open
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path) { return try await next(request, context) }
        guard let presented = request.headers[ForwardedHeader.internalSecret], Self.same(Array(presented.utf8), secret) else {
            throw APIError.unauthorized("Only Parley's own services may call this service")
        }
        var context = context
        if let id = request.headers[ForwardedHeader.requestID], (1...200).contains(id.utf8.count) {
            context.logger[metadataKey: "hb.request.id"] = .string(id)
        }
        if let address = request.headers[ForwardedHeader.clientAddress] { context.remoteAddress = address }
        if let id = request.headers[ForwardedHeader.userID].flatMap({ ObjectId($0) }) {
            context.identity = Caller(userId: id, email: request.headers[ForwardedHeader.userEmail] ?? "")
        }
        return try await next(request, context)
    }

    /// Compares in time that depends only on the lengths, so the time taken says nothing of how much matched.
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
