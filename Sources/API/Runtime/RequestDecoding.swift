import Hummingbird

/// Limits that apply to every generated route.
public enum APILimits {
    /// Bodies above this answer 413.
    public static let maxBodySize = 1 << 20
}

extension Request {
    /// The JSON body, parsed; `.null` when there is none. Too large → 413, not JSON → 400.
    public mutating func jsonBody(limit: Int = APILimits.maxBodySize) async throws -> JSONValue {
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError.validation(path: "body", "Content-Type must be application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { return .null }
        do {
            return try buffer.readableBytesView.withContiguousStorageIfAvailable { bytes in try JSONParser.parse(bytes) }
                ?? JSONParser.parse(Array(buffer.readableBytesView))
        } catch let error as JSONParser.Error {
            throw APIError.malformedJSON(error, at: "body")
        }
    }
}

extension Validation {
    /// Decodes a route's body. An absent body counts as `{}` when that is valid (every field optional or
    /// defaulted, as in `{"pinned": true}` by default); otherwise it is reported missing.
    public mutating func body<T: JSONDecodable>(_ json: JSONValue, as type: T.Type) -> T? {
        if case .null = json {
            var empty = Validation(rejectsUnknownFields: rejectsUnknownFields)
            if let value = T.decode(.object(JSONObject()), at: "body", &empty) { return value }
            report("body", "is required (a JSON object)")
            return nil
        }
        return T.decode(json, at: "body", &self)
    }
}
