import AsyncHTTPClient
public import Foundation
import NIOCore
import ParleyJSON

/// Keys that sign AWS requests.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Where they come from: keys given in the environment, or the role of an ECS task, read from the container
/// credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`), as the AWS SDKs do.
public enum AWSCredentialSource: Sendable, Equatable {
    case keys(AWSCredentials)
    case container(endpoint: URL, authorization: String?)

    /// From the variables the AWS SDKs read, in their order; nil when none is set.
    public static func fromEnvironment(_ value: (String) -> String?) -> AWSCredentialSource? {
        if let keyId = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return .keys(AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
        }
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), let url = URL(string: "http://169.254.170.2" + relative) {
            return .container(endpoint: url, authorization: nil)
        }
        if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI"), let url = URL(string: full) {
            return .container(endpoint: url, authorization: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
        }
        return nil
    }
}

/// The current credentials of a source: fixed keys as they are; a task role's fetched when first needed and
/// again five minutes before they expire (AWS rotates them hours ahead).
actor AWSCredentialProvider {
    let source: AWSCredentialSource
    let http: HTTPClient
    private var cached: (credentials: AWSCredentials, renewAfter: Date)?

    init(source: AWSCredentialSource, http: HTTPClient) {
        self.source = source
        self.http = http
    }

    func credentials(now: Date = Date()) async throws -> AWSCredentials {
        switch source {
        case .keys(let keys):
            return keys
        case .container(let endpoint, let authorization):
            if let cached, now < cached.renewAfter { return cached.credentials }
            var request = HTTPClientRequest(url: endpoint.absoluteString)
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response = try await http.execute(request, timeout: .seconds(5))
            guard response.status == .ok else { throw CredentialsUnavailable(reason: "the credentials endpoint answered \(response.status.code)") }
            let json = try JSONParser.parse(Array(try await response.body.collect(upTo: 64 * 1024).readableBytesView))
            guard let keyId = json["AccessKeyId"]?.stringValue, let secret = json["SecretAccessKey"]?.stringValue else {
                throw CredentialsUnavailable(reason: "the credentials endpoint answered no keys")
            }
            let credentials = AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: json["Token"]?.stringValue)
            let expiration = json["Expiration"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) } ?? now.addingTimeInterval(900)
            cached = (credentials, expiration.addingTimeInterval(-300))
            return credentials
        }
    }
}

struct CredentialsUnavailable: Error, CustomStringConvertible {
    var reason: String
    var description: String { "AWS credentials unavailable: \(reason)" }
}
