import Crypto
public import Foundation
public import ParleyAPI

/// HS256 access tokens (`sub`, `email`, `iat`, `exp`), and opaque refresh tokens stored only as a keyed hash.
public struct TokenService: Sendable {
    public static let accessLifetime: TimeInterval = 15 * 60
    public static let refreshLifetime: TimeInterval = 30 * 24 * 3600

    private let accessKey: SymmetricKey
    private let refreshKey: SymmetricKey

    public init(secrets: AuthSecrets) {
        accessKey = SymmetricKey(data: Data(secrets.accessSecret.utf8))
        refreshKey = SymmetricKey(data: Data(secrets.refreshSecret.utf8))
    }

    public func accessToken(userId: ObjectId, email: String, now: Date = Date()) -> String {
        let iat = Int(now.timeIntervalSince1970)
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims: JSONValue = [
            "sub": .string(userId.description), "email": .string(email), "iat": .integer(iat),
            "exp": .integer(iat + Int(Self.accessLifetime)),
        ]
        let payload = Base64URL.encode(Data(claims.serialized().utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: accessKey)
        return "\(header).\(payload).\(Base64URL.encode(Data(signature)))"
    }

    /// The caller of a valid, unexpired HS256 token signed with our key, and when the token expires;
    /// `APIError.unauthorized` otherwise.
    public func verifyAccessToken(_ token: String, now: Date = Date()) throws(APIError) -> (caller: Caller, expires: Date) {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decodeBytes(parts[0]),
            let payloadBytes = Base64URL.decodeBytes(parts[1]), let signature = Base64URL.decodeBytes(parts[2])
        else { throw APIError.unauthorized("Malformed token") }
        // Only HS256: a token naming another algorithm (or "none") is refused before its signature is looked at.
        guard let header = try? JSONParser.parse(headerBytes), header["alg"]?.stringValue == "HS256" else {
            throw APIError.unauthorized("Unsupported token algorithm")
        }
        let signed = token.utf8[parts[0].startIndex..<parts[1].endIndex]
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(signed), using: accessKey) else {
            throw APIError.unauthorized("Invalid token signature")
        }
        guard let claims = try? JSONParser.parse(payloadBytes), let sub = claims["sub"]?.stringValue, let userId = ObjectId(sub),
            let exp = claims["exp"]?.intValue
        else { throw APIError.unauthorized("Invalid token claims") }
        guard Double(exp) > now.timeIntervalSince1970 else { throw APIError.unauthorized("Token expired") }
        return (Caller(userId: userId, email: claims["email"]?.stringValue ?? ""), Date(timeIntervalSince1970: Double(exp)))
    }

    /// A new refresh token: 32 random bytes, base64url.
    public func newRefreshToken() -> String { Self.randomSecret() }

    /// What the store keeps instead of a refresh or reset token: HMAC-SHA256 under the refresh secret.
    public func hash(_ token: String) -> String {
        Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: refreshKey)))
    }
}

/// The two signing secrets: from the environment, or in development generated once and kept in the data folder.
public struct AuthSecrets: Sendable {
    public var accessSecret: String
    public var refreshSecret: String
    /// Authenticates calls between services.
    public var internalSecret: String

    public init(accessSecret: String, refreshSecret: String, internalSecret: String) {
        self.accessSecret = accessSecret
        self.refreshSecret = refreshSecret
        self.internalSecret = internalSecret
    }

    /// Reads `secrets.json` in `folder`, creating it (mode 0600) with fresh random secrets the first time.
    public static func persisted(in folder: URL) throws -> AuthSecrets {
        let file = folder.appendingPathComponent("secrets.json")
        if let data = try? Data(contentsOf: file), let json = try? JSONParser.parse(Array(data)),
            let access = json["jwtAccessSecret"]?.stringValue, let refresh = json["jwtRefreshSecret"]?.stringValue,
            let internalSecret = json["internalSecret"]?.stringValue
        {
            return AuthSecrets(accessSecret: access, refreshSecret: refresh, internalSecret: internalSecret)
        }
        let secrets = AuthSecrets(
            accessSecret: TokenService.randomSecret(),
            refreshSecret: TokenService.randomSecret(),
            internalSecret: TokenService.randomSecret()
        )
        let json: JSONValue = [
            "jwtAccessSecret": .string(secrets.accessSecret), "jwtRefreshSecret": .string(secrets.refreshSecret),
            "internalSecret": .string(secrets.internalSecret),
        ]
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? FileManager.default.removeItem(at: file)
        let handle = try FileHandle.privateFile(at: file, flags: O_EXCL)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(json.serialized(pretty: true).utf8))
        return secrets
    }
}

extension TokenService {
    static func randomSecret() -> String { Base64URL.encode(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })) }
}
