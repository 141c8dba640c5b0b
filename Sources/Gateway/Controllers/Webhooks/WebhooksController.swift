import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/webhooks`: HTTP in front of ``WebhookOperations`` (admins only).
struct WebhooksController: Sendable {
    let webhooks: WebhookOperations
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let endpoints = router.group("/api/webhooks/endpoints")
        endpoints.get(use: list)
        endpoints.post(use: create)
        endpoints.get("/{id}", use: get)
        endpoints.put("/{id}", use: update)
        endpoints.delete("/{id}", use: delete)
        endpoints.post("/{id}/rotate-secret", use: rotate)
        endpoints.get("/{id}/deliveries", use: deliveries)
        router.post("/api/webhooks/deliveries/{id}/retry", use: retryDelivery)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoints = try await webhooks.list(by: try context.requireIdentity().actor, logger: context.logger)
        return try context.responseEncoder.encode(
            endpoints.map { WebhookEndpointResponse($0, time: time) }, from: request, context: context)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<WebhookEndpointResponse> {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        let body = try await request.decodeJSON(WebhookEndpointRequest.self, context: context)
        let (endpoint, secret) = try await webhooks.create(body.input, by: actor, logger: context.logger)
        return EditedResponse(status: .created, response: WebhookEndpointResponse(endpoint, secret: secret, time: time))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> WebhookEndpointResponse {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        return WebhookEndpointResponse(try await webhooks.endpoint(try Self.id(context), by: actor, logger: context.logger), time: time)
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> WebhookEndpointResponse {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(WebhookEndpointRequest.self, context: context)
        return WebhookEndpointResponse(try await webhooks.update(id, body.input, by: actor, logger: context.logger), time: time)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        try await webhooks.delete(try Self.id(context), by: actor, logger: context.logger)
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> WebhookEndpointResponse {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        let (endpoint, secret) = try await webhooks.rotateSecret(try Self.id(context), by: actor, logger: context.logger)
        return WebhookEndpointResponse(endpoint, secret: secret, time: time)
    }

    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> Paginated<DeliveryResponse> {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        let id = try Self.id(context)
        let pagination = try Pagination(request)
        let page = try await webhooks.deliveries(id, page: pagination.page, size: pagination.size, by: actor, logger: context.logger)
        return Paginated(items: page.items.map { DeliveryResponse($0, time: time) }, total: page.total, pagination: pagination)
    }

    @Sendable func retryDelivery(_ request: Request, context: AppRequestContext) async throws -> DeliveryResponse {
        let actor = try context.requireIdentity().actor
        try webhooks.adminsOnly(actor)
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw StoreError(.notFound, field: "delivery") }
        return DeliveryResponse(try await webhooks.retryDelivery(id, by: actor, logger: context.logger), time: time)
    }

    /// The endpoint named by the path; not a UUID is no such endpoint.
    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else {
            throw StoreError(.notFound, field: "webhook endpoint")
        }
        return id
    }
}
