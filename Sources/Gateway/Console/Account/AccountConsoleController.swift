import Foundation
import Hummingbird
import ServiceHTTP
import Store

/// A signed-in user's account page: their profile, their password, and their sessions (each can be ended).
struct AccountConsoleController: Sendable {
    let accounts: AccountOperations
    let pages: ConsolePages
    let cookies: ConsoleCookies
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/account", use: accountPage)
        router.post("/account/profile", use: updateProfile)
        router.post("/account/password", use: changePassword)
        router.post("/account/sessions/{id}/revoke", use: revokeSession)
    }

    struct SessionRow: Sendable {
        var id: String
        var device: String
        var ip: String
        var started: String
        var lastSeen: String
        var current: Bool
    }

    struct AccountPage: Sendable {
        var username: String
        var email: String
        var role: String
        var fullName: String
        var phone: String
        var address: String
        var emailNotifications: Bool
        var sessions: [SessionRow]
        var profileError: String?
        var passwordError: String?
        var problems: [String: String] = [:]
    }

    @Sendable func accountPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        return try await showAccount(
            try await user.account(from: accounts, logger: context.logger), user: user, request: request, context: context)
    }

    func showAccount(
        _ account: User, user: ConsoleUser, profileError: String? = nil, passwordError: String? = nil, problems: [String: String] = [:],
        status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let sessions = try await accounts.sessions.list(userID: user.id, logger: context.logger).sorted {
            $0.lastSeenAt > $1.lastSeenAt
        }
        let view = AccountPage(
            username: account.username, email: account.email, role: user.role.rawValue.capitalized, fullName: account.fullName ?? "",
            phone: account.phone ?? "", address: account.address ?? "", emailNotifications: account.emailNotifications,
            sessions: sessions.map {
                SessionRow(
                    id: $0.id, device: Self.device($0.userAgent), ip: $0.ip ?? "", started: format.time($0.createdAt),
                    lastSeen: format.time($0.lastSeenAt),
                    current: $0.id == user.sessionID
                )
            },
            profileError: profileError, passwordError: passwordError, problems: problems
        )
        return pages.render(
            "account", title: "Your account", section: "account", page: view, context: context, request: request, status: status,
            cartCount: await pages.cartCount(user, context: context)
        )
    }

    /// A readable name for a session's client ("Chrome on Linux", "curl").
    static func device(_ userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "Unknown client" }
        let browser =
            agent.contains("Edg/")
            ? "Edge"
            : agent.contains("Chrome/")
                ? "Chrome"
                : agent.contains("Firefox/")
                    ? "Firefox"
                    : agent.contains("Safari/") ? "Safari" : String(agent.split(separator: "/").first ?? "Client").prefix(40).description
        let system =
            agent.contains("Android")
            ? "Android"
            : agent.contains("iPhone") || agent.contains("iPad")
                ? "iOS"
                : agent.contains("Mac OS")
                    ? "macOS"
                    : agent.contains("Windows") ? "Windows" : agent.contains("Linux") ? "Linux" : nil
        return system.map { "\(browser) on \($0)" } ?? browser
    }

    @Sendable func updateProfile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let form = try await ConsoleForm.decode(OwnAccountRequest.self, request, context: context)
        // Only the profile's fields: a password change has a form of its own.
        var changes = form.formChanges
        (changes.currentPassword, changes.newPassword) = (nil, nil)
        do {
            _ = try await accounts.changeOwn(
                user.id, sessionID: user.sessionID, changes, logger: context.logger)
            return pages.redirect("/account", notice: "saved")
        } catch let error as InvalidInput {
            var typed = try await user.account(from: accounts, logger: context.logger)
            (typed.fullName, typed.phone, typed.address) = (
                form.changes.fullName ?? nil, form.changes.phone ?? nil, form.changes.address ?? nil
            )
            return try await showAccount(
                typed, user: user, profileError: "Please correct the fields below.", problems: ConsoleForm.problems(error),
                status: .unprocessableContent,
                request: request, context: context
            )
        }
    }

    /// Changes the password with the current one; the user's other sessions end, this one stays.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let form = try await ConsoleForm.decode(OwnAccountRequest.self, request, context: context)
        // Only the password: the profile has a form of its own.
        let changes = AccountOperations.OwnChanges(currentPassword: form.changes.currentPassword, newPassword: form.changes.newPassword)
        do {
            _ = try await accounts.changeOwn(
                user.id, sessionID: user.sessionID, changes, logger: context.logger)
            return pages.redirect("/account", notice: "password")
        } catch let error as InvalidInput {
            return try await showAccount(
                try await user.account(from: accounts, logger: context.logger), user: user,
                passwordError: "Please correct the fields below.", problems: ConsoleForm.problems(error),
                status: .unprocessableContent,
                request: request, context: context
            )
        } catch let error as AccountError where error.code == .wrongPassword {
            let answer = pages.problems.apiError(for: error)
            return try await showAccount(
                try await user.account(from: accounts, logger: context.logger), user: user, passwordError: answer?.detail,
                problems: answer.map(ConsoleForm.problems) ?? [:], status: .unprocessableContent, request: request, context: context
            )
        }
    }

    /// Ends one of the user's own sessions (ending this one signs out).
    @Sendable func revokeSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try context.parameters.require("id")
        guard id.count <= 100, try await accounts.sessions.revoke(userID: user.id, sessionID: id, logger: context.logger) else {
            throw APIError(.notFound, "No such session.")
        }
        if id == user.sessionID { return pages.redirect("/login", notice: "signed-out", headers: [.setCookie: cookies.clearedSession]) }
        return pages.redirect("/account", notice: "revoked")
    }
}
