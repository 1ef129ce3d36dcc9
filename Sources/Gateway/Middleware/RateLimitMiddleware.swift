import Coordination
import Foundation
import HTTPTypes
import Hummingbird
import ParleyAPI

/// Limits per address and per user on every `/api` route, stricter on the routes that guess passwords or
/// send mail. Counters live in Redis when configured, so every gateway instance shares them.
struct RateLimitMiddleware<Context: APIRequestContext>: RouterMiddleware {
    struct Limit: Sendable {
        var count: Int
        var window: Duration
    }

    static var perAddress: Limit { Limit(count: 600, window: .seconds(60)) }
    static var perUser: Limit { Limit(count: 600, window: .seconds(60)) }
    /// Per address and route.
    static var strict: [String: Limit] {
        [
            "/api/auth/login": Limit(count: 10, window: .seconds(60)),
            "/api/auth/register": Limit(count: 5, window: .seconds(60)),
            "/api/auth/password/forgot": Limit(count: 5, window: .seconds(15 * 60)),
            "/api/auth/password/reset": Limit(count: 10, window: .seconds(15 * 60)),
            // A client refreshes every 15 minutes per tab; more than this from one address is guessing.
            "/api/auth/refresh": Limit(count: 30, window: .seconds(60)),
        ]
    }

    let limiter: any RateLimiter
    let scale: Double
    /// The caller of a valid bearer token, for per-user limits.
    let identify: @Sendable (String) -> ObjectId?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Health probes come from a load balancer's few addresses, polling often: never limited.
        if let route = context.endpointPath, !route.hasPrefix("/api/") { return try await next(request, context) }
        let address = context.remoteAddress ?? "unknown"
        // The route the router matched, never the raw path: `/api/auth/login/` and `//api/auth//login` reach the
        // same handler, so they must count against the same limit.
        if let route = context.endpointPath, let limit = Self.strict[route] { try await check("route:\(route):\(address)", limit) }
        try await check("ip:\(address)", Self.perAddress)
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "), let user = identify(String(header.dropFirst(7))) {
            try await check("user:\(user)", Self.perUser)
        }
        return try await next(request, context)
    }

    private func check(_ key: String, _ limit: Limit) async throws {
        // The configuration bounds the scale, so this product is far inside Int's range.
        let decision = try await limiter.hit(key, limit: max(1, Int((Double(limit.count) * scale).rounded())), window: limit.window)
        guard decision.allowed else {
            let (seconds, attoseconds) = decision.retryAfter.components
            throw APIError.rateLimited(retryAfter: Int(clamping: seconds) + (attoseconds > 0 ? 1 : 0))
        }
    }
}
