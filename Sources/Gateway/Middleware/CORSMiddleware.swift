import HTTPTypes
import Hummingbird
import ParleyAPI

/// CORS for a list of origins, with credentials (the refresh cookie): an allowed origin is echoed back, any
/// other gets no CORS headers at all, and preflights are answered here.
struct CORSMiddleware<Context: APIRequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isPreflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        guard let origin = request.headers[.origin], allowedOrigins.contains(origin) else {
            // A preflight from another origin is still a preflight: answered, but granted nothing, so the browser
            // refuses the real request.
            if isPreflight { return Response(status: .noContent) }
            return try await next(request, context)
        }
        if isPreflight {
            var headers = corsHeaders(origin)
            headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Request-Id"
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: corsHeaders(origin))
        return response
    }

    private func corsHeaders(_ origin: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowCredentials] = "true"
        headers[.accessControlExposeHeaders] = "Retry-After, X-Request-Id"
        headers[.vary] = "Origin"
        return headers
    }
}

/// Headers every answer carries; HSTS only in production, where the gateway sits behind TLS. A route that set
/// a stricter one of its own (the media files' sandboxing policy) keeps it.
struct SecurityHeadersMiddleware<Context: APIRequestContext>: RouterMiddleware {
    let production: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in SecurityHeaders.fields(production: production) where response.headers[name] == nil {
            response.headers[name] = value
        }
        return response
    }
}

/// The security headers, also for the answers written below the router (`ConnectionGuard`).
enum SecurityHeaders {
    static func fields(production: Bool) -> [(HTTPField.Name, String)] {
        var fields: [(HTTPField.Name, String)] = [
            (.xContentTypeOptions, "nosniff"), (.xFrameOptions, "DENY"), (.referrerPolicy, "strict-origin-when-cross-origin"),
            (.contentSecurityPolicy, contentSecurityPolicy),
        ]
        if production { fields.append((.strictTransportSecurity, "max-age=31536000; includeSubDomains")) }
        return fields
    }

    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; "
            + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    }
}

extension HTTPField.Name {
    static var xContentTypeOptions: Self { Self("X-Content-Type-Options") ?? .contentType }
    static var xFrameOptions: Self { Self("X-Frame-Options") ?? .contentType }
    static var referrerPolicy: Self { Self("Referrer-Policy") ?? .contentType }
}
