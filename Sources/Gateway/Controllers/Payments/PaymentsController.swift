import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import OrderJSON
import OrderPayments
import ProcessSupport
import Store

/// An order's payment over HTTP: the owner pays (`POST /api/orders/{id}/payment`), staff refund
/// (`POST /api/orders/{id}/refunds`), the owner and staff list the refunds. Every rule is
/// ``PaymentOperations``'; this only translates. Mounted with payments on.
struct PaymentsController: Sendable {
    let payments: PaymentOperations
    let orders: OrderOperations
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/api/orders/{id}/payment", use: pay)
        router.post("/api/orders/{id}/refunds", use: refund)
        router.get("/api/orders/{id}/refunds", use: refunds)
    }

    struct PayRequest: Decodable {
        var paymentMethod: String

        enum CodingKeys: String, CodingKey {
            case paymentMethod = "payment_method"
        }
    }

    /// The order with its payment as it now stands (the owner's view: the client secret and
    /// next action while they are needed).
    @Sendable func pay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        let id = try Self.orderID(context)
        let body = try await request.decodeJSON(PayRequest.self, context: context)
        _ = try await payments.confirm(order: id, paymentMethod: body.paymentMethod, by: actor, logger: context.logger)
        // Read after the confirmation: the order with the payment it recorded.
        let order = try await orders.order(id, visibleTo: actor, logger: context.logger)
        return try OrderResponse(order: order, time: time, viewer: actor.id).response(from: request, context: context)
    }

    struct RefundRequest: Decodable {
        var amount: MoneyInput?
        var reason: String?
    }

    /// `GET …/refunds`: every refund of the order, oldest first.
    struct RefundList: ResponseEncodable {
        var items: [RefundResponse]
    }

    /// 201 with the refund (pending until its job has the provider's answer); a repeat of the
    /// same `Idempotency-Key` and body answers the same refund with `Idempotent-Replayed: true`.
    @Sendable func refund(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        let id = try Self.orderID(context)
        let body = try await request.decodeJSON(RefundRequest.self, context: context)
        let key = request.headers[OrdersController.idempotencyKey]
        // The request's meaning, not its bytes: the same amount and reason are the same refund.
        let canonical = "\(body.amount?.value.moneyString ?? "rest")\u{0}\(body.reason ?? "")"
        let (refund, created) = try await payments.refund(
            order: id, amount: body.amount?.value, reason: body.reason, idempotencyKey: key,
            requestHash: key.map { _ in Array(SHA256.hash(data: Array(canonical.utf8))) }, by: actor, logger: context.logger)
        var response = try RefundResponse(refund, time: time).response(from: request, context: context)
        response.status = .created
        if !created { response.headers[OrdersController.replayed] = "true" }
        return response
    }

    @Sendable func refunds(_ request: Request, context: AppRequestContext) async throws -> RefundList {
        let actor = try context.requireIdentity().actor
        let refunds = try await payments.refunds(of: try Self.orderID(context), by: actor, logger: context.logger)
        return RefundList(items: refunds.map { RefundResponse($0, time: time) })
    }

    static func orderID(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw OrderError(.notFound) }
        return id
    }
}
