public import Hummingbird

/// Limits that apply to every generated route.
public enum APILimits {
    /// Bodies above this answer 413.
    public static let maxBodySize = 1 << 20
}

extension Request {
    /// The JSON body, parsed; nil when there is none (a body of `null` is `.null`). Too large → 413, not JSON → 400.
    public mutating func jsonBody(limit: Int = APILimits.maxBodySize) async throws -> JSONValue? {
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError.validation(path: "body", "Content-Type must be application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        } catch {
            // The client went away or broke off mid-body: its problem, not ours, and nobody reads the answer.
            throw APIError(.badRequest, message: "The request body was not received completely")
        }
        guard buffer.readableBytes > 0 else { return nil }
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
    public mutating func body<T: JSONDecodable>(_ json: JSONValue?, as type: T.Type) -> T? {
        guard let json else {
            var empty = Validation(rejectsUnknownFields: rejectsUnknownFields)
            if let value = T.decode(.object(JSONObject()), at: "body", &empty) { return value }
            report("body", "is required (a JSON object)")
            return nil
        }
        return T.decode(json, at: "body", &self)
    }
}

extension Validation {
    /// The first `name=value` of the query, percent-decoded (`+` is a space, as forms and `URLSearchParams` write it).
    /// Strict where Hummingbird's own decoding is lenient: a broken escape, or escapes that decode to bytes that are not
    /// UTF-8 (`%FF`), is reported instead of becoming U+FFFD.
    public mutating func query(_ request: Request, _ name: String) -> String? {
        guard let query = request.uri.query else { return nil }
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecoded(parts[0]) == name else { continue }
            guard let value = parts.count == 2 ? Self.formDecoded(parts[1]) : "" else {
                report(Self.join("query", name), "is not valid percent-encoded UTF-8")
                return nil
            }
            return value
        }
        return nil
    }

    static func formDecoded(_ encoded: some Collection<UInt8>) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index != encoded.endIndex {
            let byte = encoded[index]
            index = encoded.index(after: index)
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != encoded.endIndex, let high = hex(encoded[index]) else { return nil }
                index = encoded.index(after: index)
                guard index != encoded.endIndex, let low = hex(encoded[index]) else { return nil }
                index = encoded.index(after: index)
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
