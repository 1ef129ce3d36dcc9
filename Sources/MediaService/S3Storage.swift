public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import ParleyStore

/// Media in an S3 bucket: the client uploads straight to S3 with a presigned PUT bound to the declared type
/// and exact size; the server only asks S3 (HEAD) whether the object arrived before a message may carry it.
public struct S3Storage: MediaStorage {
    public struct Settings: Sendable {
        public var bucket: String
        public var region: String
        /// An S3-compatible endpoint (path-style addressing); AWS's regional endpoint otherwise.
        public var endpoint: URL?
        public var credentials: AWSCredentialSource
        /// CloudFront (or any public base) in front of the bucket, for reading.
        public var publicBaseURL: String?

        public init(bucket: String, region: String, endpoint: URL? = nil, credentials: AWSCredentialSource, publicBaseURL: String? = nil) {
            self.bucket = bucket
            self.region = region
            self.endpoint = endpoint
            self.credentials = credentials
            self.publicBaseURL = publicBaseURL
        }
    }

    let settings: Settings
    let credentials: AWSCredentialProvider
    let http: HTTPClient

    public init(settings: Settings, http: HTTPClient = .shared) {
        self.settings = settings
        self.http = http
        credentials = AWSCredentialProvider(source: settings.credentials, http: http)
    }

    func signer(now: Date) async throws -> SigV4 {
        SigV4(credentials: try await credentials.credentials(now: now), region: settings.region, service: "s3")
    }

    /// `(scheme://host[:port], the object's encoded path, host header)`
    func location(ofKey key: String) -> (origin: String, path: String, host: String) {
        let encodedKey = SigV4.encode(key, keepSlash: true)
        if let endpoint = settings.endpoint, let host = endpoint.host {
            let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
            let base = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
            return ("\(endpoint.scheme ?? "https")://\(hostHeader)", "\(base)/\(SigV4.encode(settings.bucket))/\(encodedKey)", hostHeader)
        }
        let host = "\(settings.bucket).s3.\(settings.region).amazonaws.com"
        return ("https://\(host)", "/\(encodedKey)", host)
    }

    public func uploadURL(for media: MediaRecord, expiresIn: Int, now: Date) async throws -> String {
        let (origin, path, host) = location(ofKey: media.storageKey)
        let request = SigV4.Request(
            method: "PUT",
            path: path,
            headers: [("content-length", String(media.fileSize)), ("content-type", media.fileType), ("host", host)],
            payloadHash: SigV4.unsignedPayload
        )
        return "\(origin)\(path)?\(try await signer(now: now).presignedQuery(request, at: now, expires: expiresIn))"
    }

    public func url(forKey key: String) -> String {
        if let base = settings.publicBaseURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + SigV4.encode(key, keepSlash: true)
        }
        let (origin, path, _) = location(ofKey: key)
        return origin + path
    }

    public func objectExists(_ media: MediaRecord) async throws -> Bool {
        let (origin, path, host) = location(ofKey: media.storageKey)
        let now = Date()
        let signer = try await signer(now: now)
        var headers: [(String, String)] = [
            ("host", host), ("x-amz-content-sha256", SigV4.emptyPayloadHash), ("x-amz-date", SigV4.timestamp(now)),
        ]
        if let token = signer.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        let authorization = signer.authorization(
            SigV4.Request(method: "HEAD", path: path, headers: headers, payloadHash: SigV4.emptyPayloadHash),
            at: now
        )
        var request = HTTPClientRequest(url: origin + path)
        request.method = .HEAD
        for (name, value) in headers where name != "host" { request.headers.add(name: name, value: value) }
        request.headers.add(name: "authorization", value: authorization)
        let response = try await http.execute(request, timeout: .seconds(10))
        switch response.status.code {
        case 200: return response.headers.first(name: "content-length").flatMap(Int.init) == media.fileSize
        case 403, 404: return false
        default: throw S3Error(status: Int(response.status.code))
        }
    }
}

struct S3Error: Error, CustomStringConvertible {
    var status: Int
    var description: String { "S3 answered HEAD with \(status)" }
}
