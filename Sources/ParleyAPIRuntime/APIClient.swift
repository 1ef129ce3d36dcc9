public import HTTPTypes
public import Hummingbird

/// A request built by a generated service client.
public struct APIClientRequest: Sendable {
    public var method: HTTPRequest.Method
    /// Path with parameters already filled in and percent-encoded.
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: HTTPFields
    public var body: [UInt8]?

    public init(method: HTTPRequest.Method, path: String, context: APIContext) {
        self.method = method
        self.path = path
        self.query = []
        self.headers = HTTPFields()
        self.body = nil
        headers[.accept] = "application/json"
        headers[ForwardedHeader.requestID] = context.requestID
        if let address = context.remoteAddress { headers[ForwardedHeader.clientAddress] = address }
        if let agent = context.userAgent { headers[.userAgent] = agent }
    }

    /// Path and query, as sent on the request line.
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.escape($0.name))=\(Self.escape($0.value))" }.joined(separator: "&")
    }

    public mutating func setJSONBody(_ value: some JSONEncodable) {
        headers[.contentType] = APIMediaType.json
        var writer = JSONWriter()
        value.encode(to: &writer)
        body = writer.bytes
    }

    public mutating func addQuery(_ name: String, _ value: (some TextEncodable)?) {
        if let value { query.append((name, value.text)) }
    }

    public mutating func addCookie(_ name: String, _ value: (some TextEncodable)?) {
        guard let value else { return }
        let pair = "\(name)=\(value.text)"
        headers[.cookie] = headers[.cookie].map { "\($0); \(pair)" } ?? pair
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

public struct APIClientResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The typed answer for a success status the route declares; the contract's error otherwise.
    public func decode<T: JSONCodable>(_ type: T.Type, statuses: [Int]) throws(APIError) -> APIResponse<T> {
        try requireDeclared(statuses)
        let value = try T.decode(jsonBytes: body, rejectsUnknownFields: false)
        return APIResponse(value, status: status, setCookies: headers[values: .setCookie])
    }
}

extension APIClientResponse {
    /// The answer as the route's own response, its bytes untouched: a success status the route declares, with its JSON
    /// and cookies; the contract's error otherwise.
    public func passthrough(statuses: [Int]) throws(APIError) -> Response {
        try requireDeclared(statuses)
        return .json(body, status: status, setCookies: headers[values: .setCookie])
    }

    /// A success status the route declares, or else the contract's error the service answered.
    private func requireDeclared(_ statuses: [Int]) throws(APIError) {
        guard statuses.contains(status.code) else {
            throw APIError(status: status, body: body) ?? APIError(status, message: "Unexpected response status \(status.code)")
        }
    }
}

/// Carries generated clients' requests: an HTTP client in production, the test router in tests.
public protocol APITransport: Sendable {
    func send(_ request: APIClientRequest) async throws -> APIClientResponse
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
