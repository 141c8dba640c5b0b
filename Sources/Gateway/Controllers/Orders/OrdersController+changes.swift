import Hummingbird
import OrderJSON
import Store

extension OrdersController {
    @Sendable func updateDetails(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let actor = try context.requireIdentity().actor
        let id = try Self.id(context)
        let body = try await request.decodeJSON(OrderDetailsRequest.self, context: context)
        let order = try await operations.updateDetails(of: id, body.details, by: actor, logger: context.logger)
        return OrderResponse(order: order, time: time, viewer: actor.id)
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let actor = try context.requireIdentity().actor
        let id = try Self.id(context)
        // The body is optional: a bare POST, PATCH or DELETE cancels too.
        var reason: String?
        if request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) {
            reason = try await request.decodeJSON(OrderCancelRequest.self, context: context).reason
        }
        let order = try await operations.cancel(id, reason: reason, by: actor, logger: context.logger)
        return OrderResponse(order: order, time: time, viewer: actor.id)
    }

    @Sendable func changeStatus(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let actor = try context.requireIdentity().actor
        let id = try Self.id(context)
        try operations.staffOnly(actor)
        let body = try await request.decodeJSON(StatusChangeRequest.self, context: context)
        let order = try await operations.changeStatus(
            of: id, to: body.status, notes: body.notes, trackingNumber: body.trackingNumber, by: actor, logger: context.logger
        )
        return OrderResponse(order: order, time: time, viewer: actor.id)
    }
}
