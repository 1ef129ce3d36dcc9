public import HTTPTypes
public import Hummingbird

/// What a handler returns: the typed body, and when needed a status other than the route's usual one
/// (one the schema lists) and cookies to set.
public struct APIResponse<Body: JSONEncodable>: Sendable {
    public var body: Body
    public var status: HTTPResponse.Status?
    /// `Set-Cookie` header values.
    public var setCookies: [String]

    public init(_ body: Body, status: HTTPResponse.Status? = nil, cookies: [Cookie] = []) {
        self.body = body
        self.status = status
        self.setCookies = cookies.map(\.description)
    }

    public init(_ body: Body, status: HTTPResponse.Status?, setCookies: [String]) {
        self.body = body
        self.status = status
        self.setCookies = setCookies
    }

    /// The HTTP response; a status the schema does not list for the route is a programming error.
    public func httpResponse(statuses: [Int]) throws(APIError) -> Response {
        let status = self.status ?? HTTPResponse.Status(code: statuses.first ?? 200)
        guard statuses.contains(status.code) else {
            throw APIError.internal(cause: "the handler answered \(status.code), which the schema does not list for this route (\(statuses))")
        }
        var writer = JSONWriter()
        body.encode(to: &writer)
        return .json(writer.bytes, status: status, setCookies: setCookies)
    }
}

extension Response {
    /// A route's answer: its JSON and the cookies it sets.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status, setCookies: [String]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = APIMediaType.json
        for cookie in setCookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
