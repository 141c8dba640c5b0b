import Foundation
import Hummingbird
import Store

/// The console's sign-in, registration and sign-out pages, on the API's account rules and limits.
struct SignInConsoleController: Sendable {
    let accounts: AccountOperations
    let pages: ConsolePages
    let cookies: ConsoleCookies

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/login", use: loginPage)
        router.post("/login", use: login)
        router.get("/register", use: registerPage)
        router.post("/register", use: register)
        router.post("/logout", use: logout)
    }

    /// The sign-in and registration forms, shown again with what was typed and what was wrong.
    struct AuthPage: Sendable {
        var username = ""
        var email = ""
        var fullName = ""
        var next = ""
        var error: String?
        var problems: [String: String] = [:]
    }

    /// The sign-in form: the API's credentials, and where to go next.
    struct LoginForm: Decodable {
        var credentials: SignInRequest
        var next: String?

        enum CodingKeys: String, CodingKey {
            case next
        }

        init(from decoder: any Decoder) throws {
            credentials = try SignInRequest(from: decoder)
            next = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .next)
        }
    }

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.console != nil { return pages.redirect("/dashboard") }
        let next = request.uri.queryParameters["next"].map(String.init) ?? ""
        return pages.render("login", title: "Sign in", section: "", page: AuthPage(next: next), context: context, request: request)
    }

    /// Signs in with a username or an email; the console's session is an ordinary session (it is
    /// listed and revocable with the API's), carried in an HttpOnly cookie.
    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await ConsoleForm.decode(LoginForm.self, request, context: context)
        do {
            let user = try await accounts.authenticate(
                login: form.credentials.username, password: form.credentials.password, client: context.client.rateLimitKey,
                logger: context.logger)
            let session = try await startSession(for: user, request: request, context: context)
            return pages.redirect(
                ConsoleForm.safeReturn(form.next), notice: "signed-in",
                headers: [.setCookie: cookies.sessionCookie(userID: user.id, sessionID: session.id, username: user.username)]
            )
        } catch is SignInRefused {
            let page = AuthPage(username: form.credentials.username, next: form.next ?? "", error: "Incorrect username or password.")
            return pages.render(
                "login", title: "Sign in", section: "", page: page, context: context, request: request, status: .unauthorized)
        }
    }

    @Sendable func registerPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.console != nil { return pages.redirect("/dashboard") }
        return pages.render("register", title: "Create an account", section: "", page: AuthPage(), context: context, request: request)
    }

    /// Registration always makes a customer, under the API's limit per client address.
    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await ConsoleForm.decode(NewUserRequest.self, request, context: context)
        var page = AuthPage(username: form.username, email: form.email, fullName: form.fullName ?? "")
        do {
            try await accounts.admitRegistration(from: context.client.rateLimitKey, logger: context.logger)
            let user = try await accounts.create(form.formAccount(role: .customer), logger: context.logger)
            let session = try await startSession(for: user, request: request, context: context)
            return pages.redirect(
                "/dashboard", notice: "registered",
                headers: [.setCookie: cookies.sessionCookie(userID: user.id, sessionID: session.id, username: user.username)]
            )
        } catch let error as InvalidInput {
            page.problems = ConsoleForm.problems(error)
            page.error = "Please correct the fields below."
        } catch let error as StoreError where error.code == .duplicate {
            let answer = pages.problems.answer(to: error)
            page.problems = ConsoleForm.problems(answer)
            page.error = answer.detail
        }
        return pages.render(
            "register", title: "Create an account", section: "", page: page, context: context, request: request,
            status: .unprocessableContent)
    }

    /// An ordinary session for the console's cookie (listed and revocable with the API's); the
    /// console needs no access token.
    private func startSession(for user: User, request: Request, context: AppRequestContext) async throws -> SessionRecord {
        try await accounts.sessions.create(
            userID: user.id, role: user.role, userAgent: request.headers[.userAgent], ip: context.client.text, logger: context.logger
        ).session
    }

    /// Ends this session everywhere it counts: in Redis (the API's tokens of it stop too) and in
    /// the browser.
    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let user = context.console {
            try await accounts.sessions.revoke(userID: user.id, sessionID: user.sessionID, logger: context.logger)
        }
        return pages.redirect("/login", notice: "signed-out", headers: [.setCookie: cookies.clearedSession])
    }
}
