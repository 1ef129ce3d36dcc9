public import HTTPTypes
public import Hummingbird

/// Names each matched route by its schema path (`/api/messages/{chatId}`) in metrics, traces and access logs, rather
/// than by the path it is registered under (`APIRouteDescriptor.registeredPath`, parameters named by position).
public struct RouteLabelMiddleware<Context: RequestContext>: RouterMiddleware {
    private struct Key: Hashable {
        let method: HTTPRequest.Method
        let registered: String
    }

    private let labels: [Key: String]

    public init(routes: [APIRouteDescriptor]) {
        var labels: [Key: String] = [:]
        for route in routes {
            guard route.path.contains(":") else { continue }
            // As Hummingbird prints a path: `/api/messages/{p2}` for `/api/messages/:p2`.
            labels[Key(method: route.method, registered: Self.printed(route.registeredPath))] = Self.printed(route.path)
        }
        self.labels = labels
    }

    private static func printed(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router has matched the route before any middleware runs; the path is shared with the context's copies.
        if let path = context.endpointPath, let label = labels[Key(method: request.method, registered: path)] {
            context.coreContext.endpointPath.value = label
        }
        return try await next(request, context)
    }
}
