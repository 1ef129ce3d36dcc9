public import HTTPTypes
public import Hummingbird
import Logging

/// One route of a generated route table, for answers the router cannot give by itself (405 with `Allow`).
public struct APIRouteDescriptor: Sendable, Hashable {
    public var method: HTTPRequest.Method
    /// Full path with `:name` parameters.
    public var path: String
    public var operation: String
    /// The security scheme the route requires, nil when public.
    public var security: String?

    public init(method: HTTPRequest.Method, path: String, operation: String, security: String? = nil) {
        self.method = method
        self.path = path
        self.operation = operation
        self.security = security
    }

    /// The path the route is registered under in a Hummingbird router: parameters named by position
    /// (`/api/messages/:p2`), since the router needs one name per position and the schema may use another per method.
    public var registeredPath: String {
        "/"
            + path.split(separator: "/").enumerated().map { index, segment in segment.hasPrefix(":") ? ":p\(index)" : String(segment) }
            .joined(separator: "/")
    }

    func matches(_ segments: [Substring]) -> Bool {
        let pattern = path.split(separator: "/")
        guard pattern.count == segments.count else { return false }
        return zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }

    /// Per segment, whether it is literal: the router takes a literal segment over a parameter, so of the
    /// descriptors matching a path only the most literal ones are the routes it can reach.
    var literalness: [Bool] { path.split(separator: "/").map { !$0.hasPrefix(":") } }
}

/// An error from below the handlers (a store, Redis) that knows its place in the contract, e.g. 503 when an
/// engine is unreachable, so that it is not answered as an opaque 500.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}

/// Turns every error into the contract's error shape: the router's 404 becomes 405 when the path exists
/// under another method, unknown errors become a 500 that shows no internals (and are logged in full).
public struct APIErrorMiddleware<Context: APIRequestContext>: RouterMiddleware {
    let routes: [APIRouteDescriptor]

    public init(routes: [APIRouteDescriptor]) { self.routes = routes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status.code >= 500, error.status != .notImplemented {
                context.logger.error("request failed", metadata: ["status": "\(error.status.code)", "error": "\(error.cause ?? error.message)"])
            }
            return error.httpResponse()
        } catch let error as any HTTPResponseError {
            return translate(error, request: request).httpResponse()
        } catch let error as any APIErrorConvertible {
            let converted = error.apiError
            context.logger.error("request failed", metadata: ["status": "\(converted.status.code)", "error": "\(String(reflecting: error))"])
            return converted.httpResponse()
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return APIError.internal.httpResponse()
        }
    }

    private func translate(_ error: any HTTPResponseError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            let segments = request.uri.path.split(separator: "/")
            let matching = routes.filter { $0.matches(segments) }
            let reachable = matching.filter { candidate in
                !matching.contains { other in
                    // `other` is more literal at the first segment where the two differ.
                    zip(other.literalness, candidate.literalness).first { $0 != $1 }.map { $0.0 } ?? false
                }
            }
            var allowed: [HTTPRequest.Method] = []
            for route in reachable where !allowed.contains(route.method) { allowed.append(route.method) }
            if !allowed.isEmpty, !allowed.contains(request.method) {
                return .methodNotAllowed(allowed: allowed)
            }
            return .notFound("No route for \(request.method.rawValue) \(request.uri.path)")
        case .contentTooLarge:
            return .payloadTooLarge(limit: APILimits.maxBodySize)
        default:
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return APIError(error.status, message: message)
        }
    }
}
