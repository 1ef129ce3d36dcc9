public import AuthService
import Crypto
import Foundation
public import ParleyAPI
import Synchronization

/// The schema's security schemes as the gateway checks them: HS256 bearer tokens, and the internal shared secret.
public struct TokenSecurity: APISecurity {
    let tokens: TokenService
    let internalSecret: String
    let verified = VerifiedTokens()

    public init(tokens: TokenService, internalSecret: String) {
        self.tokens = tokens
        self.internalSecret = internalSecret
    }

    public func authenticate(bearer token: String, context: APIContext) async throws -> Caller {
        let now = Date()
        if let caller = verified.caller(for: token, at: now) { return caller }
        let (caller, expires) = try tokens.verifyAccessToken(token, now: now)
        verified.remember(token, caller: caller, until: expires)
        return caller
    }

    public func verify(scheme: String, credential: String, context: APIContext) async throws {
        // Compare digests so the time taken says nothing about how much of the secret matched.
        guard scheme == "internalSecret", SHA256.hash(data: Data(credential.utf8)) == SHA256.hash(data: Data(internalSecret.utf8)) else {
            throw APIError.unauthorized()
        }
    }
}

/// Access tokens whose signature and claims were checked, until they expire. A client sends the same token
/// with every request for its 15 minutes, and checking it again each time cost more than reading a page of
/// messages. Only the exact text that was verified is found here, so a tampered token never matches.
final class VerifiedTokens: Sendable {
    static let capacity = 10_000
    private let entries = Mutex<[String: (caller: Caller, expires: Date)]>([:])

    func caller(for token: String, at now: Date) -> Caller? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expires > now else {
                entries[token] = nil
                return nil
            }
            return entry.caller
        }
    }

    func remember(_ token: String, caller: Caller, until expires: Date) {
        entries.withLock { entries in
            // More live tokens than this is a flood of logins, not users: start over rather than grow. The cost of a
            // miss is one verification.
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = (caller, expires)
        }
    }
}
