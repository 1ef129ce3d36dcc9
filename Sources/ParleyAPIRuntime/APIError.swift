public import HTTPTypes
public import Hummingbird

/// Every error a route answers, in the contract's shape:
/// `{"error": {"statusCode": 400, "code": "VALIDATION_FAILED", "message": "...", "details": [...]}}`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [ValidationIssue]?
    /// Extra response headers, such as `Retry-After` or `Allow`.
    public var headers: HTTPFields
    /// For the log only, never the client: why a 500 happened.
    public var cause: String?

    public init(_ status: HTTPResponse.Status, code: String? = nil, message: String, details: [ValidationIssue]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code ?? Self.code(for: status)
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "VALIDATION_FAILED"
        case 401: "UNAUTHORIZED"
        case 403: "FORBIDDEN"
        case 404: "NOT_FOUND"
        case 405: "METHOD_NOT_ALLOWED"
        case 409: "CONFLICT"
        case 413: "PAYLOAD_TOO_LARGE"
        case 429: "RATE_LIMITED"
        case 501: "NOT_IMPLEMENTED"
        case 503: "UNAVAILABLE"
        default: "INTERNAL"
        }
    }

    public static func validation(_ issues: [ValidationIssue]) -> APIError {
        let summary = issues.prefix(3).map(\.description).joined(separator: "; ")
        return APIError(.badRequest, message: issues.isEmpty ? "Invalid request" : "Invalid request: \(summary)", details: issues)
    }

    public static func validation(path: String, _ message: String) -> APIError {
        validation([ValidationIssue(path: path, message: message)])
    }

    public static func malformedJSON(_ error: JSONParser.Error, at path: String) -> APIError {
        validation(path: path.isEmpty ? "body" : path, "is not valid JSON (\(error))")
    }

    public static func unauthorized(_ message: String = "Authentication required") -> APIError { APIError(.unauthorized, message: message) }
    public static func forbidden(_ message: String = "Not allowed") -> APIError { APIError(.forbidden, message: message) }
    public static func notFound(_ message: String = "Not found") -> APIError { APIError(.notFound, message: message) }
    public static func conflict(_ message: String) -> APIError { APIError(.conflict, message: message) }
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, message: "Request body is larger than \(limit) bytes")
    }
    public static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> APIError {
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            .methodNotAllowed,
            message: "Method not allowed; this path accepts \(allowed.map(\.rawValue).joined(separator: ", "))",
            headers: headers
        )
    }
    public static func rateLimited(retryAfter seconds: Int) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, seconds))
        return APIError(.tooManyRequests, message: "Too many requests; retry in \(max(1, seconds)) s", headers: headers)
    }
    public static func notImplemented(_ operation: String) -> APIError {
        APIError(.notImplemented, message: "\(operation) is not implemented yet")
    }
    public static let `internal` = APIError(.internalServerError, message: "Internal server error")

    public static func `internal`(cause: String) -> APIError {
        var error = APIError.internal
        error.cause = cause
        return error
    }
    public static func unavailable(_ message: String = "Service unavailable") -> APIError { APIError(.serviceUnavailable, message: message) }

    /// The JSON body.
    public var body: [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.key("error")
        w.beginObject()
        w.key("statusCode")
        w.int(status.code)
        w.key("code")
        w.string(code)
        w.key("message")
        w.string(message)
        if let details {
            w.key("details")
            w.beginArray()
            for issue in details {
                w.beginObject()
                w.key("path")
                w.string(issue.path)
                w.key("message")
                w.string(issue.message)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// Reads an error answer; nil when the body is not in the contract's shape.
    public init?(status: HTTPResponse.Status, body: [UInt8]) {
        guard let json = try? JSONParser.parse(body), let error = json["error"]?.objectValue,
            let code = error["code"]?.stringValue, let message = error["message"]?.stringValue
        else { return nil }
        let details = error["details"]?.arrayValue?.compactMap { item -> ValidationIssue? in
            guard let path = item["path"]?.stringValue, let message = item["message"]?.stringValue else { return nil }
            return ValidationIssue(path: path, message: message)
        }
        self.init(status, code: code, message: message, details: details)
    }
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        httpResponse()
    }

    public func httpResponse() -> Response {
        var fields = headers
        fields[.contentType] = APIMediaType.json
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

public enum APIMediaType {
    public static let json = "application/json; charset=utf-8"
}
