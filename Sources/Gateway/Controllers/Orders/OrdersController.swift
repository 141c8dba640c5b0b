import Foundation
import HTTPTypes
import Hummingbird
import OrderJSON
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/orders`: HTTP in front of ``OrderOperations`` (placing, reading, cancelling and moving
/// orders); the operations' refusals become answers in ``DomainProblems``.
struct OrdersController: Sendable {
    let operations: OrderOperations
    let time: DisplayTime
    let timeZone: TimeZone

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("/api/orders")
        group.post(use: create)
        group.get(use: listAll)
        group.get("/my", use: listMine)
        group.get("/stats", use: stats)
        group.get("/export", use: export)
        group.get("/{id}", use: get)
        group.put("/{id}", use: updateDetails)
        group.get("/{id}/events", use: events)
        group.post("/{id}/cancel", use: cancel)
        group.patch("/{id}/cancel", use: cancel)
        group.delete("/{id}/cancel", use: cancel)
        group.put("/{id}/status", use: changeStatus)
        group.patch("/{id}/status", use: changeStatus)
    }

    // MARK: Create

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        let (order, replayed) = try await operations.place(
            body.input, by: actor, idempotencyKey: request.headers[Self.idempotencyKey], logger: context.logger
        )
        var response = try OrderResponse(order: order, time: time, viewer: actor.id).response(from: request, context: context)
        response.status = .created
        if replayed { response.headers[Self.replayed] = "true" }
        return response
    }

    // MARK: Read

    @Sendable func listMine(_ request: Request, context: AppRequestContext) async throws -> Paginated<OrderResponse> {
        let actor = try context.requireIdentity().actor
        let pagination = try Pagination(request)
        let query = try OrderFilters.query(request, pagination: pagination, timeZone: timeZone)
        return page(try await operations.mine(query, by: actor, logger: context.logger), pagination: pagination, viewer: actor.id)
    }

    @Sendable func listAll(_ request: Request, context: AppRequestContext) async throws -> Paginated<OrderResponse> {
        let actor = try context.requireIdentity().actor
        try operations.staffOnly(actor)
        let pagination = try Pagination(request)
        let query = try OrderFilters.query(request, pagination: pagination, timeZone: timeZone)
        return page(try await operations.all(query, by: actor, logger: context.logger), pagination: pagination, viewer: actor.id)
    }

    private func page(_ list: OrderList, pagination: Pagination, viewer: UUID) -> Paginated<OrderResponse> {
        Paginated(
            items: list.orders.map { OrderResponse(order: $0, time: time, viewer: viewer) }, total: list.total, pagination: pagination,
            nextCursor: list.nextCursor?.token
        )
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let actor = try context.requireIdentity().actor
        let order = try await operations.order(try Self.id(context), visibleTo: actor, logger: context.logger)
        return OrderResponse(order: order, time: time, viewer: actor.id)
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        let events = try await operations.events(of: try Self.id(context), visibleTo: actor, logger: context.logger)
        return try context.responseEncoder.encode(events.map { OrderEventResponse(event: $0, time: time) }, from: request, context: context)
    }

    // MARK: Helpers

    /// The order id of the path; anything but a UUID is no order at all.
    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw OrderError(.notFound) }
        return id
    }
}
