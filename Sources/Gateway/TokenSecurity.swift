import AuthService
import Crypto
import Foundation
import ParleyAPI

/// The schema's security schemes as the gateway checks them: HS256 bearer tokens, and the internal shared secret.
public struct TokenSecurity: APISecurity {
    let tokens: TokenService
    let internalSecret: String

    public init(tokens: TokenService, internalSecret: String) {
        self.tokens = tokens
        self.internalSecret = internalSecret
    }

    public func authenticate(bearer token: String, context: APIContext) async throws -> Caller {
        try tokens.verifyAccessToken(token)
    }

    public func verify(scheme: String, credential: String, context: APIContext) async throws {
        // Compare digests so the time taken says nothing about how much of the secret matched.
        guard scheme == "internalSecret", SHA256.hash(data: Data(credential.utf8)) == SHA256.hash(data: Data(internalSecret.utf8)) else {
            throw APIError.unauthorized()
        }
    }
}
