import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/users`: the caller's own profile, and user management for admins.
struct UsersController: Sendable {
    let accounts: AccountOperations
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("/api/users")
        group.get("/me", use: me)
        group.put("/me", use: updateMe)
        group.get(use: list)
        group.post(use: create)
        group.get("/{id}", use: get)
        group.put("/{id}", use: update)
        group.delete("/{id}", use: deactivate)
    }

    // MARK: Self

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let identity = try context.requireIdentity()
        return UserResponse(try await user(identity.userID, context: context), time: time)
    }

    @Sendable func updateMe(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(OwnAccountRequest.self, context: context)
        let updated = try await accounts.changeOwn(identity.userID, sessionID: identity.sessionID, body.changes, logger: context.logger)
        return UserResponse(updated, time: time)
    }

    // MARK: Admin

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Paginated<UserResponse> {
        let admin = try context.require(.admin)
        let pagination = try Pagination(request)
        let query = request.uri.queryParameters
        var role: Role?
        if let raw = query["role"] {
            guard let parsed = Role(rawValue: String(raw)) else {
                throw APIError(.badRequest, "Query parameter role must be customer, vendor or admin.")
            }
            role = parsed
        }
        let search = query["q"].map(String.init).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        let page = try await accounts.list(
            UserQuery(
                role: role, search: search, isActive: try request.queryBool("is_active"), page: pagination.page, size: pagination.size),
            by: admin.actor, logger: context.logger
        )
        return Paginated(items: page.items.map { UserResponse($0, time: time) }, total: page.total, pagination: pagination)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<UserResponse> {
        _ = try context.require(.admin)
        let body = try await request.decodeJSON(NewUserRequest.self, context: context)
        guard let role = Role(rawValue: body.role ?? Role.customer.rawValue) else {
            throw APIError(
                .unprocessableContent, "The request has invalid fields.",
                errors: [.init(field: "role", message: "must be customer, vendor or admin")])
        }
        let user = try await accounts.create(body.account(role: role), logger: context.logger)
        return EditedResponse(status: .created, response: UserResponse(user, time: time))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        _ = try context.require(.admin)
        return UserResponse(try await user(try Self.id(context), context: context), time: time)
    }

    struct AdminUpdateRequest: Decodable {
        var fullName: String??
        var phone: String??
        var address: String??
        var role: Role?
        var isActive: Bool?

        enum CodingKeys: String, CodingKey {
            case phone, address, role
            case fullName = "full_name"
            case isActive = "is_active"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            fullName = try container.decodeNullable(String.self, forKey: .fullName)
            phone = try container.decodeNullable(String.self, forKey: .phone)
            address = try container.decodeNullable(String.self, forKey: .address)
            role = try container.decodeIfPresent(Role.self, forKey: .role)
            isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
        }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let admin = try context.require(.admin)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(AdminUpdateRequest.self, context: context)
        let changes = UserChanges(
            fullName: body.fullName, phone: body.phone, address: body.address, role: body.role, isActive: body.isActive)
        return UserResponse(try await accounts.administer(id, changes, by: admin.actor, logger: context.logger), time: time)
    }

    @Sendable func deactivate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.require(.admin)
        _ = try await accounts.administer(try Self.id(context), UserChanges(isActive: false), by: admin.actor, logger: context.logger)
        return Response(status: .noContent)
    }

    // MARK: Helpers

    private func user(_ id: UUID, context: AppRequestContext) async throws -> User {
        guard let user = try await accounts.find(id: id, logger: context.logger) else { throw APIError(.notFound, "No such user.") }
        return user
    }

    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw APIError(.notFound, "No such user.") }
        return id
    }
}
