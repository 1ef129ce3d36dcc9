import Coordination
import Foundation
import HTTPTypes
import Hummingbird
import ParleyAPI

/// The limits every `/api` route is under, stricter on the routes that guess passwords or send mail.
enum RateLimits {
    struct Limit: Sendable {
        var count: Int
        var window: Duration
    }

    static let perAddress = Limit(count: 600, window: .seconds(60))
    static let perUser = Limit(count: 600, window: .seconds(60))
    /// Per address and route.
    static let strict: [String: Limit] =
        [
            "/api/auth/login": Limit(count: 10, window: .seconds(60)),
            "/api/auth/register": Limit(count: 5, window: .seconds(60)),
            "/api/auth/password/forgot": Limit(count: 5, window: .seconds(15 * 60)),
            "/api/auth/password/reset": Limit(count: 10, window: .seconds(15 * 60)),
            // A client refreshes every 15 minutes per tab; more than this from one address is guessing.
            "/api/auth/refresh": Limit(count: 30, window: .seconds(60)),
        ]
}

/// Applies `RateLimits` per address and per user. Counters live in Redis when configured, so every gateway
/// instance shares them.
struct RateLimitMiddleware<Context: APIRequestContext>: RouterMiddleware {
    let limiter: any RateLimiter
    let scale: Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Health probes come from a load balancer's few addresses, polling often: never limited.
        if let route = context.endpointPath, !route.hasPrefix("/api/") { return try await next(request, context) }
        let address = context.remoteAddress ?? "unknown"
        // The route the router matched, never the raw path: `/api/auth/login/` and `//api/auth//login` reach the
        // same handler, so they must count against the same limit.
        if let route = context.endpointPath, let limit = RateLimits.strict[route] { try await check("route:\(route):\(address)", limit) }
        try await check("ip:\(address)", RateLimits.perAddress)
        if let caller = context.identity { try await check("user:\(caller.userId)", RateLimits.perUser) }
        return try await next(request, context)
    }

    private func check(_ key: String, _ limit: RateLimits.Limit) async throws {
        // The configuration bounds the scale, so this product is far inside Int's range.
        let decision = try await limiter.hit(key, limit: max(1, Int((Double(limit.count) * scale).rounded())), window: limit.window)
        guard decision.allowed else { throw decision.refusal }
    }
}

extension RateLimitDecision {
    /// The contract's 429 for a denied hit, its `Retry-After` rounded up to whole seconds.
    var refusal: APIError {
        let (seconds, attoseconds) = retryAfter.components
        return .rateLimited(retryAfter: Int(clamping: seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
