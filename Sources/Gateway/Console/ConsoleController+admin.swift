import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

extension ConsoleController {
    // MARK: Users

    struct UserRow: Sendable {
        var id: String
        var username: String
        var email: String
        var fullName: String
        var role: String
        var roles: [Option]
        var active: Bool
        var created: String
        var isSelf: Bool
        var ordersHref: String
    }

    struct UsersPage: Sendable {
        var users: [UserRow]
        var empty: Bool
        var search: String
        var roleFilter: [Option]
        var activeFilter: [Option]
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
        var roles: [Option] = ConsoleController.roleOptions(selected: .vendor, includeCustomer: false)
    }

    static func roleOptions(selected: Role, includeCustomer: Bool = true) -> [Option] {
        Role.allCases.filter { includeCustomer || $0 != .customer }.map {
            Option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == selected)
        }
    }

    @Sendable func usersPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
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
        let list = try await accounts.users.list(
            UserQuery(role: role, search: search.isEmpty ? nil : search, isActive: active, page: page, size: 25), logger: context.logger
        )
        let view = UsersPage(
            users: list.items.map {
                UserRow(
                    id: $0.id.uuidString.lowercased(), username: $0.username, email: $0.email, fullName: $0.fullName ?? "",
                    role: $0.role.rawValue,
                    roles: Self.roleOptions(selected: $0.role), active: $0.isActive, created: format.day($0.createdAt),
                    isSelf: $0.id == user.id,
                    ordersHref: "/orders?user_id=" + $0.id.uuidString.lowercased()
                )
            },
            empty: list.items.isEmpty, search: search,
            roleFilter: [Option(value: "", label: "Any role", selected: role == nil)]
                + Role.allCases.map { Option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == role) },
            activeFilter: [
                Option(value: "", label: "Active or not", selected: active == nil),
                Option(value: "yes", label: "Active", selected: active == true),
                Option(value: "no", label: "Deactivated", selected: active == false),
            ],
            paging: ConsolePaging(
                page: page, size: 25, total: list.total, path: "/admin/users",
                query: [("q", search), ("role", role?.rawValue ?? ""), ("active", active.map { $0 ? "yes" : "no" } ?? "")]
            ),
            newUser: form, error: error, problems: problems
        )
        return pages.render("users", title: "Users", section: "users", page: view, context: context, request: request, status: status)
    }

    struct CreateUserForm: Decodable {
        var username: String
        var email: String
        var password: String
        var fullName: String?
        var role: String

        enum CodingKeys: String, CodingKey {
            case username, email, password, role
            case fullName = "full_name"
        }
    }

    /// An admin makes a vendor or an admin (customers register themselves).
    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
        let form = try await Self.form(CreateUserForm.self, request, context: context)
        let role = Role(rawValue: form.role) ?? .vendor
        let typed = NewUserForm(
            username: form.username, email: form.email, fullName: form.fullName ?? "",
            roles: Self.roleOptions(selected: role, includeCustomer: false)
        )
        do {
            let input = NewUserRequest(
                username: form.username, email: form.email, password: form.password, fullName: Self.optional(form.fullName))
            _ = try await accounts.create(try input.account(role: role), logger: context.logger)
            return pages.redirect("/admin/users", notice: "created")
        } catch let error as InvalidInput {
            return try await showUsers(
                user: user, form: typed, error: "Please correct the fields below.", problems: Self.problems(error),
                status: .unprocessableContent,
                request: request, context: context
            )
        } catch let error as StoreError where error.code == .duplicate {
            let field = error.field ?? "username"
            return try await showUsers(
                user: user, form: typed, error: "That \(field) is already taken.", problems: [field: "is already taken"], status: .conflict,
                request: request, context: context
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
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw AccountError(.notFound) }
        let form = try await Self.form(UpdateUserForm.self, request, context: context)
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

    // MARK: Operations

    struct WorkerRow: Sendable {
        var id: String
        var host: String
        var pid: Int
        var started: String
        var lastSeen: String
        var jobsDone: Int
    }

    struct DeadRow: Sendable {
        var id: String
        var orderHref: String?
        var orderReference: String
        var attempts: Int
        var lastError: String
        var died: String
    }

    struct OperationsPage: Sendable {
        var workers: [WorkerRow]
        var noWorkers: Bool
        var scheduled: Int
        var due: Int
        var inFlight: Int
        var dead: Int
        var lag: String
        var chart: String?
        var deadJobs: [DeadRow]
        var noDeadJobs: Bool
        var database: Bool
        var redis: Bool
        var report: String?
    }

    /// Workers, queue depths and lag with their recent history, dead jobs with retry, the
    /// reconciler and the stores' health. Redis down: the page still answers, saying so.
    @Sendable func operationsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
        return try await showOperations(request: request, context: context)
    }

    func showOperations(report: String? = nil, request: Request, context: AppRequestContext) async throws -> Response {
        let health = await operations.health.check(logger: context.logger)
        let logger = context.logger
        async let workers = operations.registry.list(logger: logger)
        async let depth = operations.queue.depth(logger: logger)
        async let dead = operations.queue.dead(limit: 50, logger: logger)
        async let history = operations.queue.history(logger: logger)
        let (list, queue, deadJobs, samples) = try await (workers, depth, dead, history)
        let chart =
            samples.isEmpty
            ? nil
            : ConsoleChart(
                points: samples.map {
                    .init(
                        label: format.clock($0.at), value: Double($0.done), line: Double($0.lagMilliseconds),
                        title: "\(format.clock($0.at)): \($0.done) jobs applied, lag \($0.lagMilliseconds) ms")
                },
                summary:
                    "Jobs applied per 10 seconds (bars) and the oldest due job's lag (line) over the last \(samples.count * 10 / 60) minutes; "
                    + "most recent: \(samples.last?.done ?? 0) jobs, lag \(samples.last?.lagMilliseconds ?? 0) ms."
            ).svg
        let view = OperationsPage(
            workers: list.map {
                WorkerRow(
                    id: $0.id, host: $0.host, pid: $0.pid, started: format.time($0.startedAt), lastSeen: format.time($0.lastSeenAt),
                    jobsDone: $0.jobsDone)
            },
            noWorkers: list.isEmpty, scheduled: queue.scheduled, due: queue.due, inFlight: queue.inFlight, dead: queue.dead,
            lag: queue.oldestDueLagMilliseconds < 1000
                ? "\(queue.oldestDueLagMilliseconds) ms" : String(format: "%.1f s", Double(queue.oldestDueLagMilliseconds) / 1000),
            chart: chart,
            deadJobs: deadJobs.map { job in
                let orderID = job.member.split(separator: ":").first.flatMap { UUID(uuidString: String($0)) }
                return DeadRow(
                    id: job.member, orderHref: orderID.map { "/orders/" + $0.uuidString.lowercased() },
                    orderReference: orderID.map(ConsoleFormat.reference) ?? job.member, attempts: job.attempts,
                    lastError: job.lastError ?? "",
                    died: format.time(job.diedAt)
                )
            },
            noDeadJobs: deadJobs.isEmpty, database: health.database, redis: health.redis, report: report
        )
        return pages.render("operations", title: "Operations", section: "operations", page: view, context: context, request: request)
    }

    /// Runs the reconciler now, as `POST /api/background/trigger` does.
    @Sendable func reconcile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
        let report = try await operations.reconciler.runOnce(logger: context.logger)
        return try await showOperations(
            report: "The reconciler ran: \(report.updated) overdue orders moved, \(report.enqueued) missing jobs scheduled.",
            request: request,
            context: context
        )
    }

    /// Schedules a dead job again, as `POST /api/background/dead/{id}/retry` does.
    @Sendable func retryDeadJob(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .admin)
        let id = try context.parameters.require("id")
        guard id.count <= 100, try await operations.queue.resurrect(id, logger: context.logger) else {
            throw APIError(.notFound, "No such dead job.")
        }
        return pages.redirect("/admin/operations", notice: "retried")
    }
}
