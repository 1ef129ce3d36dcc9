import ParleyAPI

/// The auth service: registration, login, refresh-token rotation, logout, password reset and the current user.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocol, a route added to the schema does not compile until it has a method here.
public struct AuthService: AuthAPI {
    public init() {}

    public func register(_ input: Auth.Register.Input, context: APIContext) async throws -> APIResponse<AuthResponse> {
        throw APIError.notImplemented("auth.register")
    }

    public func login(_ input: Auth.Login.Input, context: APIContext) async throws -> APIResponse<AuthResponse> {
        throw APIError.notImplemented("auth.login")
    }

    public func refresh(_ input: Auth.Refresh.Input, context: APIContext) async throws -> APIResponse<RefreshResponse> {
        throw APIError.notImplemented("auth.refresh")
    }

    public func logout(_ input: Auth.Logout.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("auth.logout")
    }

    public func forgotPassword(_ input: Auth.ForgotPassword.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("auth.forgotPassword")
    }

    public func resetPassword(_ input: Auth.ResetPassword.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        throw APIError.notImplemented("auth.resetPassword")
    }

    public func me(_ input: Auth.Me.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        throw APIError.notImplemented("auth.me")
    }
}
