public import Foundation
import Hummingbird
public import ParleyAPI
public import ParleyStore
import ServiceKit

/// Registration, login, refresh-token rotation, logout, password reset and the current user. The auth service keeps
/// credentials and sessions; profiles are the users service's.
public struct AuthService: AuthAPI {
    static let resetLifetime: TimeInterval = 3600
    static let refreshCookie = "refreshToken"
    /// A hash of nothing anyone knows, verified when the email is unknown so that both failures take as long.
    static let decoyHash = PasswordHasher.hash("parley-decoy-password")
    /// Longer than any registration takes between storing a credential and creating its profile.
    static let registrationWindow: TimeInterval = 60

    let store: any AuthStore
    /// Profiles belong to the users service.
    let users: any UsersInternalAPI
    let tokens: TokenService
    let mailer: any Mailer
    /// `Secure` on the refresh cookie (production mode).
    let secureCookies: Bool
    let now: @Sendable () -> Date

    public init(
        store: any AuthStore,
        users: any UsersInternalAPI,
        tokens: TokenService,
        mailer: any Mailer,
        secureCookies: Bool,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.users = users
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
        let email = Self.normalized(email: body.email)
        let userId = try await claimCredential(email: email, passwordHash: hash, password: password, at: date, context: context)
        let account: Me
        do {
            let profile = NewUserRequest(id: userId, username: body.username, email: email, name: body.name, createdAt: date)
            account = try await users.create(.init(body: profile), context: context).body.user
        } catch let error as APIError where error.status == .conflict {
            // The username is taken: the address is free again.
            try await store.credentials.delete(userId: userId)
            throw error
        }
        let (accessToken, cookie) = try await startSession(userId: userId, email: email, context: context)
        return APIResponse(AuthResponse(user: account, accessToken: accessToken), status: .created, cookies: [cookie])
    }

    public func login(_ input: Auth.Login.Input, context: APIContext) async throws -> APIResponse<AuthResponse> {
        let password = input.body.password
        let credential = try await store.credentials.find(email: Self.normalized(email: input.body.email))
        let hash = credential?.passwordHash ?? Self.decoyHash
        let valid = try await offload { PasswordHasher.verify(password, hash: hash) }
        // A credential without a profile is a registration that never finished.
        guard let credential, valid, let account = try await account(of: credential.userId, context: context) else {
            throw APIError.unauthorized("Invalid email or password")
        }
        let (accessToken, cookie) = try await startSession(userId: credential.userId, email: credential.email, context: context)
        return APIResponse(AuthResponse(user: account, accessToken: accessToken), cookies: [cookie])
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
            guard let credential = try await store.credentials.find(userId: session.userId) else {
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
                RefreshResponse(accessToken: tokens.accessToken(userId: credential.userId, email: credential.email, now: date)),
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
        if let credential = try await store.credentials.find(email: Self.normalized(email: input.body.email)) {
            let token = tokens.newRefreshToken()
            let date = now()
            try await store.passwordResets.insert(
                PasswordResetRecord(
                    tokenHash: tokens.hash(token),
                    userId: credential.userId,
                    createdAt: date,
                    expiresAt: date.addingTimeInterval(Self.resetLifetime)
                )
            )
            try await mailer.send(to: credential.email, kind: "password_reset", token: token)
            context.logger.info("password reset mail sent", metadata: ["user": "\(credential.userId)"])
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
        try await store.credentials.setPasswordHash(userId: userId, hash, at: now())
        try await store.sessions.deleteAll(userId: userId)
        return APIResponse(SuccessResponse(success: true))
    }

    public func me(_ input: Auth.Me.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        guard let account = try await account(of: input.caller.userId, context: context) else { throw APIError.unauthorized("Unknown user") }
        return APIResponse(MeResponse(user: account))
    }

    /// NFC, so that `josé` typed precomposed or as `e` + U+0301 is one address (the store compares without case).
    static func normalized(email: String) -> String { email.precomposedStringWithCanonicalMapping }

    // MARK: - Accounts

    /// Stores the new account's credential and returns its user id. An address whose registration stored its credential
    /// but never got its profile (the users service failed in between) is not lost: it can be registered again at once
    /// with the same password (a retry), and by anyone once no registration can still be on its way.
    private func claimCredential(
        email: String,
        passwordHash: String,
        password: String,
        at date: Date,
        context: APIContext
    ) async throws
        -> ObjectId
    {
        let taken = APIError.conflict("Email is already registered")
        let credential = CredentialRecord(userId: ObjectId(), email: email, passwordHash: passwordHash, createdAt: date)
        do {
            try await store.credentials.insert(credential)
            return credential.userId
        } catch StoreError.duplicate {
            guard let existing = try await store.credentials.find(email: email), try await account(of: existing.userId, context: context) == nil
            else { throw taken }
            let abandoned = date.timeIntervalSince(existing.updatedAt) > Self.registrationWindow
            if !abandoned {
                let samePassword = try await offload { PasswordHasher.verify(password, hash: existing.passwordHash) }
                guard samePassword else { throw taken }
            }
            try await store.credentials.setPasswordHash(userId: existing.userId, passwordHash, at: date)
            context.logger.info("unfinished registration taken over", metadata: ["user": "\(existing.userId)"])
            return existing.userId
        }
    }

    /// The user's account as the users service keeps it; nil when it has none.
    private func account(of userId: ObjectId, context: APIContext) async throws -> Me? {
        do {
            return try await users.account(.init(body: UserIdRequest(userId: userId)), context: context).body.user
        } catch let error as APIError where error.status == .notFound {
            return nil
        }
    }

    // MARK: - Sessions

    private func startSession(userId: ObjectId, email: String, context: APIContext) async throws -> (accessToken: String, cookie: Cookie) {
        let date = now()
        let refresh = tokens.newRefreshToken()
        try await store.sessions.insert(
            SessionRecord(
                userId: userId,
                refreshTokenHash: tokens.hash(refresh),
                userAgent: String((context.userAgent ?? "").prefix(512)),
                ipAddress: context.remoteAddress ?? "",
                createdAt: date,
                expiresAt: date.addingTimeInterval(TokenService.refreshLifetime)
            )
        )
        return (tokens.accessToken(userId: userId, email: email, now: date), refreshCookie(refresh))
    }

    private func refreshCookie(_ value: String, maxAge: Int = Int(TokenService.refreshLifetime)) -> Cookie {
        Cookie(name: Self.refreshCookie, value: value, maxAge: maxAge, path: "/api/auth", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}
