import Crypto
import Foundation

/// AWS Signature Version 4: the canonical request, the string to sign and the derived key of
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html, for header and query (presigned) signing.
struct SigV4: Sendable {
    var credentials: AWSCredentials
    var region: String
    var service: String

    static let algorithm = "AWS4-HMAC-SHA256"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let emptyPayloadHash = hex(SHA256.hash(data: [UInt8]()))

    /// The request as signed: `path` is already URI-encoded (S3 encodes each key segment once), `query` raw.
    struct Request {
        var method: String
        var path: String
        var query: [(String, String)] = []
        /// Every header to sign, `host` included.
        var headers: [(String, String)]
        var payloadHash: String
    }

    /// The `Authorization` header value for `request` at `date`; the request must carry `x-amz-date` (and
    /// `x-amz-security-token` with a session token) among its signed headers.
    func authorization(_ request: Request, at date: Date) -> String {
        let (signedHeaders, signature) = sign(request, at: date)
        return "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(date)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// The query of a presigned URL for `request` valid `expires` seconds from `date`: the request's own query
    /// plus the `X-Amz-*` authentication parameters, encoded, in canonical order, the signature last.
    func presignedQuery(_ request: Request, at date: Date, expires: Int) -> String {
        var signing = request
        signing.query += [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(date))"),
            ("X-Amz-Date", Self.timestamp(date)),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", Self.signedHeaders(request.headers)),
        ]
        if let token = credentials.sessionToken { signing.query.append(("X-Amz-Security-Token", token)) }
        let (_, signature) = sign(signing, at: date)
        return Self.canonicalQuery(signing.query) + "&X-Amz-Signature=" + signature
    }

    /// (signed header names, hex signature)
    func sign(_ request: Request, at date: Date) -> (String, String) {
        let signedHeaders = Self.signedHeaders(request.headers)
        let canonicalRequest = [
            request.method, request.path, Self.canonicalQuery(request.query), Self.canonicalHeaders(request.headers), signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let stringToSign = [Self.algorithm, Self.timestamp(date), scope(date), Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        let signature = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date))
        return (signedHeaders, Self.hex(signature))
    }

    func signingKey(_ date: Date) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [Self.day(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    func scope(_ date: Date) -> String { "\(Self.day(date))/\(region)/\(service)/aws4_request" }

    static func signedHeaders(_ headers: [(String, String)]) -> String {
        headers.map { $0.0.lowercased() }.sorted().joined(separator: ";")
    }

    /// Lowercased names, sorted; values trimmed with inner runs of spaces folded to one.
    static func canonicalHeaders(_ headers: [(String, String)]) -> String {
        let canonical: [(name: String, value: String)] = headers.map { name, value in
            (name.lowercased(), value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
        }
        return canonical.sorted { $0.name < $1.name }.map { "\($0.name):\($0.value)\n" }.joined()
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters; `/` too unless `keepSlash`.
    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `20150830T123600Z`
    static func timestamp(_ date: Date) -> String {
        let c = utc(date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    static func day(_ date: Date) -> String { String(timestamp(date).prefix(8)) }

    private static func utc(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return (c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
