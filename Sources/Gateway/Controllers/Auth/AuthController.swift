import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/auth`: register, login, refresh, logout, me and the caller's own sessions.
struct AuthController: Sendable {
    let accounts: AccountOperations
    let tokens: TokenIssuer
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("/api/auth")
        group.post("/register", use: register)
        group.post("/login", use: login)
        group.post("/refresh", use: refresh)
        group.post("/logout", use: logout)
        group.get("/me", use: me)
        group.get("/sessions", use: listSessions)
        group.delete("/sessions/{id}", use: revokeSession)
    }

    // MARK: Register

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<UserResponse> {
        try await accounts.admitRegistration(from: context.client.rateLimitKey, logger: context.logger)
        let body = try await request.decodeJSON(NewUserRequest.self, context: context)
        if let role = body.role, role != Role.customer.rawValue {
            throw APIError(.forbidden, "Self-registration creates customers only; an admin creates other roles.")
        }
        let user = try await accounts.create(body.account(role: .customer), logger: context.logger)
        return EditedResponse(status: .created, response: UserResponse(user, time: time))
    }

    // MARK: Login and refresh

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let body = try await request.decodeJSON(SignInRequest.self, context: context)
        let user = try await accounts.authenticate(
            login: body.username, password: body.password, client: context.client.rateLimitKey, logger: context.logger)
        let signedIn = try await tokens.startSession(
            for: user, in: accounts.sessions, userAgent: request.headers[.userAgent], ip: context.client.text, logger: context.logger)
        return TokenResponse(
            accessToken: signedIn.accessToken, expiresIn: signedIn.expiresIn, refreshToken: signedIn.refreshToken,
            user: UserResponse(signedIn.user, time: time)
        )
    }

    struct RefreshRequest: Decodable {
        var refreshToken: String

        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let body = try await request.decodeJSON(RefreshRequest.self, context: context)
        let invalid = APIError(.unauthorized, "The refresh token is invalid, expired or revoked.", headers: [.wwwAuthenticate: "Bearer"])
        guard
            case .rotated(let userID, let sessionID, let role, let refreshToken) =
                try await accounts.sessions.refresh(token: body.refreshToken, logger: context.logger)
        else { throw invalid }
        guard let user = try await accounts.find(id: userID, logger: context.logger), user.isActive else {
            try await accounts.sessions.revoke(userID: userID, sessionID: sessionID, logger: context.logger)
            throw invalid
        }
        let access = try await tokens.sign(userID: userID, role: role, sessionID: sessionID)
        return TokenResponse(
            accessToken: access, expiresIn: Int(tokens.lifetime.components.seconds),
            refreshToken: refreshToken, user: UserResponse(user, time: time)
        )
    }

    // MARK: Session

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try await accounts.sessions.revoke(userID: identity.userID, sessionID: identity.sessionID, logger: context.logger)
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let identity = try context.requireIdentity()
        guard let user = try await accounts.find(id: identity.userID, logger: context.logger) else {
            throw APIError(.unauthorized, "The account no longer exists.", headers: [.wwwAuthenticate: "Bearer"])
        }
        return UserResponse(user, time: time)
    }

    @Sendable func listSessions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let sessions = try await accounts.sessions.list(userID: identity.userID, logger: context.logger).map {
            SessionResponse(
                id: $0.id, createdAt: time.string(from: $0.createdAt), lastSeenAt: time.string(from: $0.lastSeenAt),
                userAgent: $0.userAgent, ip: $0.ip, current: $0.id == identity.sessionID
            )
        }
        return try context.responseEncoder.encode(sessions, from: request, context: context)
    }

    @Sendable func revokeSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        guard try await accounts.sessions.revoke(userID: identity.userID, sessionID: id, logger: context.logger) else {
            throw APIError(.notFound, "No such session.")
        }
        return Response(status: .noContent)
    }

    // MARK: Limits
}
