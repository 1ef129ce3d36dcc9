public import HTTPTypes
public import Hummingbird

/// Names each matched route by its schema path (`/api/messages/{chatId}`) in metrics, traces and access logs, rather
/// than by the path it is registered under: generated routes register parameters by position (`/api/messages/:p2`),
/// since Hummingbird's router needs one name per position and the schema may use another per method.
public struct RouteLabelMiddleware<Context: RequestContext>: RouterMiddleware {
    private struct Key: Hashable {
        let method: HTTPRequest.Method
        let registered: String
    }

    private let labels: [Key: String]

    public init(routes: [APIRouteDescriptor]) {
        var labels: [Key: String] = [:]
        for route in routes {
            let segments = route.path.split(separator: "/")
            guard segments.contains(where: { $0.hasPrefix(":") }) else { continue }
            // As Hummingbird prints a registered path: `/api/messages/{p2}`.
            let registered = segments.enumerated().map { index, segment in segment.hasPrefix(":") ? "{p\(index)}" : String(segment) }
            let named = segments.map { segment in segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment) }
            labels[Key(method: route.method, registered: "/" + registered.joined(separator: "/"))] = "/" + named.joined(separator: "/")
        }
        self.labels = labels
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router has matched the route before any middleware runs; the path is shared with the context's copies.
        if let path = context.endpointPath, let label = labels[Key(method: request.method, registered: path)] {
            context.coreContext.endpointPath.value = label
        }
        return try await next(request, context)
    }
}
