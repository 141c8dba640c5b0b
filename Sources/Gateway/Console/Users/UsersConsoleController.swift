import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// The admin's users page: every account with its role and state, new staff accounts, role changes,
/// deactivation and signing a user out everywhere, through the API's account rules.
struct UsersConsoleController: Sendable {
    let accounts: AccountOperations
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/admin/users", use: usersPage)
        router.post("/admin/users", use: createUser)
        router.post("/admin/users/{id}", use: updateUser)
    }

    struct UserRow: Sendable {
        var id: String
        var username: String
        var email: String
        var fullName: String
        var role: String
        var roles: [ConsoleOption]
        var active: Bool
        var created: String
        var isSelf: Bool
        var ordersHref: String
    }

    struct UsersPage: Sendable {
        var users: [UserRow]
        var empty: Bool
        var search: String
        var roleFilter: [ConsoleOption]
        var activeFilter: [ConsoleOption]
        var paging: ConsolePaging
        var newUser: NewUserForm
        var error: String?
        var problems: [String: String] = [:]
    }

    /// The create-user form as typed.
    struct NewUserForm: Sendable {
        var username = ""
        var email = ""
        var fullName = ""
        var roles: [ConsoleOption] = UsersConsoleController.roleOptions(selected: .vendor, includeCustomer: false)
    }

    static func roleOptions(selected: Role, includeCustomer: Bool = true) -> [ConsoleOption] {
        Role.allCases.filter { includeCustomer || $0 != .customer }.map {
            ConsoleOption(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == selected)
        }
    }

    @Sendable func usersPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try accounts.adminsOnly(user.actor)
        return try await showUsers(user: user, request: request, context: context)
    }

    func showUsers(
        user: ConsoleUser, form: NewUserForm = NewUserForm(), error: String? = nil, problems: [String: String] = [:],
        status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let parameters = request.uri.queryParameters
        let search = String((parameters["q"].map(String.init) ?? "").prefix(100))
        let role = parameters["role"].flatMap { Role(rawValue: String($0)) }
        let active: Bool? = parameters["active"] == "yes" ? true : parameters["active"] == "no" ? false : nil
        let page = max(1, min(1_000_000, Int(parameters["page"] ?? "") ?? 1))
        let list = try await accounts.list(
            UserQuery(role: role, search: search.isEmpty ? nil : search, isActive: active, page: page, size: 25), by: user.actor,
            logger: context.logger)
        let view = UsersPage(
            users: list.items.map {
                UserRow(
                    id: $0.id.lowercasedString, username: $0.username, email: $0.email, fullName: $0.fullName ?? "",
                    role: $0.role.rawValue,
                    roles: Self.roleOptions(selected: $0.role), active: $0.isActive, created: format.day($0.createdAt),
                    isSelf: $0.id == user.id,
                    ordersHref: "/orders?user_id=" + $0.id.lowercasedString
                )
            },
            empty: list.items.isEmpty, search: search,
            roleFilter: [ConsoleOption(value: "", label: "Any role", selected: role == nil)]
                + Role.allCases.map { ConsoleOption(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == role) },
            activeFilter: [
                ConsoleOption(value: "", label: "Active or not", selected: active == nil),
                ConsoleOption(value: "yes", label: "Active", selected: active == true),
                ConsoleOption(value: "no", label: "Deactivated", selected: active == false),
            ],
            paging: ConsolePaging(
                page: page, size: 25, total: list.total, path: "/admin/users",
                query: [("q", search), ("role", role?.rawValue ?? ""), ("active", active.map { $0 ? "yes" : "no" } ?? "")]
            ),
            newUser: form, error: error, problems: problems
        )
        return pages.render("users", title: "Users", section: "users", page: view, context: context, request: request, status: status)
    }

    /// An admin makes a vendor or an admin (customers register themselves).
    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try accounts.adminsOnly(user.actor)
        let form = try await ConsoleForm.decode(NewUserRequest.self, request, context: context)
        let role = form.role.flatMap(Role.init(rawValue:)) ?? .vendor
        let typed = NewUserForm(
            username: form.username, email: form.email, fullName: form.fullName ?? "",
            roles: Self.roleOptions(selected: role, includeCustomer: false)
        )
        do {
            _ = try await accounts.create(form.formAccount(role: role), logger: context.logger)
            return pages.redirect("/admin/users", notice: "created")
        } catch let error as InvalidInput {
            return try await showUsers(
                user: user, form: typed, error: "Please correct the fields below.", problems: ConsoleForm.problems(error),
                status: .unprocessableContent,
                request: request, context: context
            )
        } catch let error as StoreError where error.code == .duplicate {
            let answer = pages.problems.answer(to: error)
            return try await showUsers(
                user: user, form: typed, error: answer.detail, problems: ConsoleForm.problems(answer), status: .conflict, request: request,
                context: context
            )
        }
    }

    struct UpdateUserForm: Decodable {
        /// `role`, `deactivate`, `activate` or `sign-out`.
        var action: String
        var role: String?
    }

    /// Changes a role, deactivates or reactivates, or ends every session of a user: each ends
    /// that user's console and API sessions at once.
    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try accounts.adminsOnly(user.actor)
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw AccountError(.notFound) }
        let form = try await ConsoleForm.decode(UpdateUserForm.self, request, context: context)
        do {
            switch form.action {
            case "role":
                guard let role = form.role.flatMap(Role.init(rawValue:)) else {
                    throw InvalidInput(field: "role", message: "must be customer, vendor or admin")
                }
                _ = try await accounts.administer(id, UserChanges(role: role), by: user.actor, logger: context.logger)
            case "deactivate", "activate":
                _ = try await accounts.administer(
                    id, UserChanges(isActive: form.action == "activate"), by: user.actor, logger: context.logger)
            case "sign-out":
                try await accounts.endSessions(of: id, by: user.actor, logger: context.logger)
            default:
                throw InvalidInput(field: "action", message: "is not an action")
            }
        } catch let error as AccountError where error.code == .selfDemotion {
            return try await showUsers(
                user: user, error: pages.problems.apiError(for: error)?.detail, status: .conflict, request: request, context: context)
        } catch let error as StoreError where error.code == .lastAdmin {
            return try await showUsers(
                user: user, error: pages.problems.answer(to: error).detail, status: .conflict, request: request, context: context)
        }
        return pages.redirect("/admin/users", notice: form.action == "sign-out" ? "revoked" : "saved")
    }

}
