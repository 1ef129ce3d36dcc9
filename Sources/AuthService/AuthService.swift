public import Foundation
import Hummingbird
public import ParleyAPI
public import ParleyStore
import ServiceKit

/// Registration, login, refresh-token rotation, logout, password reset and the current user.
public struct AuthService: AuthAPI {
    static let resetLifetime: TimeInterval = 3600
    static let refreshCookie = "refreshToken"
    /// A hash of nothing anyone knows, verified when the email is unknown so that both failures take as long.
    static let decoyHash = PasswordHasher.hash("parley-decoy-password")

    let store: any AuthStore
    let tokens: TokenService
    let mailer: any Mailer
    /// `Secure` on the refresh cookie (production mode).
    let secureCookies: Bool
    let now: @Sendable () -> Date

    public init(store: any AuthStore, tokens: TokenService, mailer: any Mailer, secureCookies: Bool, now: @escaping @Sendable () -> Date = Date.init)
    {
        self.store = store
        self.tokens = tokens
        self.mailer = mailer
        self.secureCookies = secureCookies
        self.now = now
    }

    public func register(_ input: Auth.Register.Input, context: APIContext) async throws -> APIResponse<AuthResponse> {
        let body = input.body
        let password = body.password
        if let problem = PasswordPolicy.problem(with: password) { throw APIError.validation(path: "body.password", problem) }
        let hash = try await offload { PasswordHasher.hash(password) }
        let date = now()
        let user = UserRecord(
            username: body.username,
            email: Self.normalized(email: body.email),
            passwordHash: hash,
            name: body.name,
            createdAt: date
        )
        do {
            try await store.users.insert(user)
        } catch StoreError.duplicate(let key) {
            throw APIError.conflict(key == "email" ? "Email is already registered" : "Username is already taken")
        }
        let (accessToken, cookie) = try await startSession(for: user, context: context)
        return APIResponse(AuthResponse(user: user.me, accessToken: accessToken), status: .created, cookies: [cookie])
    }

    public func login(_ input: Auth.Login.Input, context: APIContext) async throws -> APIResponse<AuthResponse> {
        let password = input.body.password
        let user = try await store.users.find(email: Self.normalized(email: input.body.email))
        let hash = user?.passwordHash ?? Self.decoyHash
        let valid = try await offload { PasswordHasher.verify(password, hash: hash) }
        guard let user, valid else { throw APIError.unauthorized("Invalid email or password") }
        let (accessToken, cookie) = try await startSession(for: user, context: context)
        return APIResponse(AuthResponse(user: user.me, accessToken: accessToken), cookies: [cookie])
    }

    public func refresh(_ input: Auth.Refresh.Input, context: APIContext) async throws -> APIResponse<RefreshResponse> {
        guard let presented = input.cookies.refreshToken, !presented.isEmpty else { throw APIError.unauthorized("No refresh token") }
        let hash = tokens.hash(presented)
        switch try await store.sessions.find(tokenHash: hash) {
        case nil:
            throw APIError.unauthorized("Invalid refresh token")
        case .rotated(let session)?:
            // A rotated token came back: someone holds a copy. End the whole session.
            try await store.sessions.delete(id: session.id)
            context.logger.warning("refresh token replay; session revoked", metadata: ["session": "\(session.id)", "user": "\(session.userId)"])
            throw APIError.unauthorized("Refresh token was already used; the session has been revoked")
        case .current(let session)?:
            let date = now()
            guard session.expiresAt > date else {
                try await store.sessions.delete(id: session.id)
                throw APIError.unauthorized("Session expired")
            }
            guard let user = try await store.users.find(id: session.userId) else {
                try await store.sessions.delete(id: session.id)
                throw APIError.unauthorized("Invalid refresh token")
            }
            let next = tokens.newRefreshToken()
            guard
                try await store.sessions.rotate(
                    sessionId: session.id,
                    from: hash,
                    to: tokens.hash(next),
                    expiresAt: date.addingTimeInterval(TokenService.refreshLifetime)
                )
            else {
                // Another request rotated this same token a moment ago: a replay, even if a concurrent one.
                try await store.sessions.delete(id: session.id)
                throw APIError.unauthorized("Refresh token was already used; the session has been revoked")
            }
            return APIResponse(
                RefreshResponse(accessToken: tokens.accessToken(userId: user.id, email: user.email, now: date)),
                cookies: [refreshCookie(next)]
            )
        }
    }

    public func logout(_ input: Auth.Logout.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        if let presented = input.cookies.refreshToken, !presented.isEmpty {
            switch try await store.sessions.find(tokenHash: tokens.hash(presented)) {
            case .current(let session)?, .rotated(let session)?: try await store.sessions.delete(id: session.id)
            case nil: break
            }
        }
        return APIResponse(SuccessResponse(success: true), cookies: [refreshCookie("", maxAge: 0)])
    }

    public func forgotPassword(_ input: Auth.ForgotPassword.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        // The same answer whether or not the address is known.
        if let user = try await store.users.find(email: Self.normalized(email: input.body.email)) {
            let token = tokens.newRefreshToken()
            let date = now()
            try await store.passwordResets.insert(
                PasswordResetRecord(
                    tokenHash: tokens.hash(token),
                    userId: user.id,
                    createdAt: date,
                    expiresAt: date.addingTimeInterval(Self.resetLifetime)
                )
            )
            try await mailer.send(to: user.email, kind: "password_reset", token: token)
            context.logger.info("password reset mail sent", metadata: ["user": "\(user.id)"])
        }
        return APIResponse(SuccessResponse(success: true))
    }

    public func resetPassword(_ input: Auth.ResetPassword.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let password = input.body.newPassword
        // Before the token is used up, so that a refused password leaves it usable.
        if let problem = PasswordPolicy.problem(with: password) { throw APIError.validation(path: "body.newPassword", problem) }
        guard let userId = try await store.passwordResets.consume(tokenHash: tokens.hash(input.body.token), at: now()) else {
            throw APIError.validation(path: "body.token", "is invalid, expired or already used")
        }
        let hash = try await offload { PasswordHasher.hash(password) }
        try await store.users.setPasswordHash(id: userId, hash, at: now())
        try await store.sessions.deleteAll(userId: userId)
        return APIResponse(SuccessResponse(success: true))
    }

    public func me(_ input: Auth.Me.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        guard let user = try await store.users.find(id: input.caller.userId) else { throw APIError.unauthorized("Unknown user") }
        return APIResponse(MeResponse(user: user.me))
    }

    /// NFC, so that `josé` typed precomposed or as `e` + U+0301 is one address (the store compares without case).
    static func normalized(email: String) -> String { email.precomposedStringWithCanonicalMapping }

    // MARK: - Sessions

    private func startSession(for user: UserRecord, context: APIContext) async throws -> (accessToken: String, cookie: Cookie) {
        let date = now()
        let refresh = tokens.newRefreshToken()
        try await store.sessions.insert(
            SessionRecord(
                userId: user.id,
                refreshTokenHash: tokens.hash(refresh),
                userAgent: String((context.userAgent ?? "").prefix(512)),
                ipAddress: context.remoteAddress ?? "",
                createdAt: date,
                expiresAt: date.addingTimeInterval(TokenService.refreshLifetime)
            )
        )
        return (tokens.accessToken(userId: user.id, email: user.email, now: date), refreshCookie(refresh))
    }

    private func refreshCookie(_ value: String, maxAge: Int = Int(TokenService.refreshLifetime)) -> Cookie {
        Cookie(name: Self.refreshCookie, value: value, maxAge: maxAge, path: "/api/auth", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}
