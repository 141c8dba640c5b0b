import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

extension OrdersConsoleController {
    // MARK: One order

    struct LineView: Sendable {
        var sku: String
        var name: String
        var quantity: Int
        var unitPrice: String
        var total: String
    }

    struct EventView: Sendable {
        var label: String
        var actor: String
        var reason: String?
        var at: String
        var atMachine: String
        var status: String
    }

    /// A next state staff may move the order to.
    struct Move: Sendable {
        var status: String
        var label: String
        var needsTracking: Bool
        var danger: Bool
    }

    struct OrderPage: Sendable {
        var id: String
        var reference: String
        var status: String
        var statusLabel: String
        var created: String
        var updated: String
        var lines: [LineView]
        var total: String
        var itemsCount: Int
        var customerName: String
        var customerEmail: String
        var customerPhone: String
        var shippingAddress: String
        var notes: String
        var trackingNumber: String?
        var events: [EventView]
        var staff: Bool
        /// The viewer reads the outbox (a link to this order's emails).
        var admin: Bool
        var pending: Bool
        /// The customer may still cancel (pending, inside the window).
        var canCancel: Bool
        var cancellableUntil: String
        var cancellableUntilMachine: String
        var cancelRemaining: String
        var autoProcessAt: String
        var autoProcessAtMachine: String
        var autoRemaining: String
        var canEdit: Bool
        var moves: [Move]
        var staffCanCancel: Bool
        var error: String?
        var problems: [String: String] = [:]
        var serverNow: String
        /// Its payment (nil: placed with payments off).
        var payment: PaymentView?
    }

    static func orderID(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(parsing: try context.parameters.require("id")) else { throw OrderError(.notFound) }
        return id
    }

    /// An order its viewer may see (someone else's is the 404 page, as in the API).
    @Sendable func orderPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        return try await showOrder(try Self.orderID(context), user: user, request: request, context: context)
    }

    func showOrder(
        _ id: UUID, user: ConsoleUser, error: String? = nil, problems: [String: String] = [:], status: HTTPResponse.Status = .ok,
        request: Request, context: AppRequestContext
    ) async throws -> Response {
        let (order, events) = try await orders.orderWithEvents(id, visibleTo: user.actor, logger: context.logger)
        let now = Date()
        let staff = user.isStaff
        let policy = OrderPolicy(user.actor)
        let moves = policy.forwardMoves(from: order.status).map(Self.move)
        let lines = order.items.map {
            LineView(
                sku: $0.productSKU, name: $0.productName, quantity: $0.quantity, unitPrice: format.money($0.unitPrice),
                total: format.money($0.totalPrice))
        }
        let mayCancel = policy.mayCancel(order, now: now)
        var view = OrderPage(
            id: order.id.lowercasedString, reference: ConsoleFormat.reference(order.id), status: order.status.rawValue,
            statusLabel: ConsoleFormat.label(order.status), created: format.time(order.createdAt), updated: format.time(order.updatedAt),
            lines: lines, total: format.money(order.totalAmount), itemsCount: order.itemsCount, customerName: order.customerName,
            customerEmail: order.customerEmail, customerPhone: order.customerPhone ?? "", shippingAddress: order.shippingAddress,
            notes: order.notes ?? "", trackingNumber: order.trackingNumber, events: events.map { event(view: $0, viewer: user) },
            staff: staff, admin: user.isAdmin,
            pending: order.status == .pending, canCancel: !staff && mayCancel, cancellableUntil: format.time(order.cancellableUntil),
            cancellableUntilMachine: format.machine(order.cancellableUntil),
            cancelRemaining: Self.remaining(until: order.cancellableUntil, now: now),
            autoProcessAt: format.time(order.autoProcessAt), autoProcessAtMachine: format.machine(order.autoProcessAt),
            autoRemaining: Self.remaining(until: order.autoProcessAt, now: now), canEdit: policy.mayEdit(order), moves: moves,
            staffCanCancel: staff && mayCancel, error: error, serverNow: format.machine(now)
        )
        view.problems = problems
        view.payment = try await paymentView(order, viewer: user, logger: context.logger)
        return pages.render(
            "order", title: "Order " + view.reference, section: "orders", page: view, context: context, request: request, status: status,
            cartCount: await pages.cartCount(user, context: context)
        )
    }

    /// The button for a forward move ``OrderPolicy`` allows (cancelling has its own form).
    static func move(to target: OrderStatus) -> Move {
        let labels: [OrderStatus: String] = [.processing: "Mark processing", .shipped: "Ship", .delivered: "Mark delivered"]
        return Move(status: target.rawValue, label: labels[target] ?? target.rawValue, needsTracking: target == .shipped, danger: false)
    }

    func event(view event: OrderEvent, viewer: ConsoleUser) -> EventView {
        let label =
            event.fromStatus == nil ? "Placed" : event.fromStatus == event.toStatus ? "Updated" : ConsoleFormat.label(event.toStatus)
        let actor: String =
            if event.actorID == viewer.id { "you" } else if let role = event.actorRole {
                role == .customer ? "the customer" : "\(role.rawValue) \(event.actorID.map { ConsoleFormat.reference($0) } ?? "")"
            } else { "the shop's workers" }
        return EventView(
            label: label, actor: actor, reason: event.reason, at: format.time(event.at), atMachine: format.machine(event.at),
            status: event.toStatus.rawValue
        )
    }

    /// "4 min 59 s", the time left as the server saw it (the page's script counts down from here).
    static func remaining(until date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded(.down))
        if seconds <= 0 { return "now" }
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    // MARK: Changes

    @Sendable func cancelOrder(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try Self.orderID(context)
        let form = try await ConsoleForm.decode(OrderCancelRequest.self, request, context: context)
        return try await changing(id, user: user, fieldsError: "Please correct the reason.", notice: "cancelled", request, context) {
            _ = try await orders.cancel(id, reason: ConsoleForm.optional(form.reason), by: user.actor, logger: context.logger)
        }
    }

    @Sendable func updateOrderDetails(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try Self.orderID(context)
        let details = try await ConsoleForm.decode(OrderDetailsRequest.self, request, context: context).formDetails
        return try await changing(id, user: user, notice: "saved", request, context) {
            _ = try await orders.updateDetails(of: id, details, by: user.actor, logger: context.logger)
        }
    }

    /// A staff move (process, ship with a tracking number, deliver, cancel) through the API's
    /// operation.
    @Sendable func changeOrderStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try orders.staffOnly(user.actor)
        let id = try Self.orderID(context)
        let change = try await ConsoleForm.decode(StatusChangeRequest.self, request, context: context).formChange
        let notice = change.status == .cancelled ? "cancelled" : "moved"
        return try await changing(id, user: user, notice: notice, request, context) {
            if change.status == .cancelled {
                _ = try await orders.cancel(id, reason: change.notes, by: user.actor, logger: context.logger)
            } else {
                _ = try await orders.changeStatus(
                    of: id, to: change.status, notes: change.notes, trackingNumber: change.trackingNumber, by: user.actor,
                    logger: context.logger)
            }
        }
    }

    /// Runs one change of the order, then goes back to its page with `notice`; a refusal shows the
    /// page again with what went wrong (422 for a field, 409 for a refused change). Someone
    /// else's order stays the 404 page.
    private func changing(
        _ id: UUID, user: ConsoleUser, fieldsError: String = "Please correct the fields below.", notice: String, _ request: Request,
        _ context: AppRequestContext, change: () async throws -> Void
    ) async throws -> Response {
        var error: String?
        var problems: [String: String] = [:]
        do {
            try await change()
            return pages.redirect("/orders/" + id.lowercasedString, notice: notice)
        } catch let refusal as InvalidInput {
            (error, problems) = (fieldsError, ConsoleForm.problems(refusal))
        } catch let refusal as OrderError where refusal.code != .notFound {
            error = pages.problems.answer(to: refusal).detail
        }
        return try await showOrder(
            id, user: user, error: error, problems: problems, status: problems.isEmpty ? .conflict : .unprocessableContent,
            request: request, context: context)
    }
}
