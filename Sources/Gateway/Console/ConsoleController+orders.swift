import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

extension ConsoleController {
    // MARK: Lists

    /// One order as a row of a list.
    struct OrderRow: Sendable {
        var id: String
        var reference: String
        var href: String
        var created: String
        var createdMachine: String
        var customer: String
        var email: String
        var items: Int
        /// "1 item", "3 items".
        var itemsLabel: String
        var total: String
        var status: String
        var statusLabel: String
    }

    func row(_ order: Order) -> OrderRow {
        let id = order.id.uuidString.lowercased()
        return OrderRow(
            id: id, reference: ConsoleFormat.reference(order.id), href: "/orders/" + id, created: format.time(order.createdAt),
            createdMachine: format.machine(order.createdAt), customer: order.customerName, email: order.customerEmail,
            items: order.itemsCount, itemsLabel: order.itemsCount == 1 ? "1 item" : "\(order.itemsCount) items",
            total: format.money(order.totalAmount), status: order.status.rawValue,
            statusLabel: ConsoleFormat.label(order.status)
        )
    }

    /// A choice of a `<select>`.
    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    /// The list's filters as the form shows them (what was typed, kept in the URL).
    struct OrderFilterForm: Sendable {
        var statuses: [Option]
        var from: String
        var to: String
        var q: String
        var userID: String
        var minTotal: String
        var maxTotal: String
        var sorts: [Option]
        /// Whether any filter is set (the page offers to clear them).
        var active: Bool
        /// The filters as a query string (for the CSV link).
        var query: String
    }

    struct OrderListPage: Sendable {
        var staff: Bool
        var filters: OrderFilterForm
        var orders: [OrderRow]
        var empty: Bool
        var summary: String
        var paging: ConsolePaging?
        var next: String?
        var first: String?
        var exportHref: String
    }

    /// The filter parameters the list reads; anything else in the URL is dropped from its links.
    static let filterNames = ["status", "created_from", "created_to", "q", "user_id", "min_total", "max_total", "sort"]

    /// My orders for a customer (paged, with a total), every order for staff (keyset paging,
    /// every filter the API has), the filters kept in the URL. A malformed filter is the API's 400
    /// shown next to the form.
    @Sendable func orderList(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        let parameters = request.uri.queryParameters
        let kept: [(String, String)] = Self.filterNames.compactMap { name in
            parameters[Substring(name)].flatMap { $0.isEmpty ? nil : (name, String($0)) }
        }
        let page = max(1, min(10_000, Int(parameters["page"] ?? "") ?? 1))
        var query: OrderQuery
        var problem: String?
        do {
            query = try OrderFilters.query(request, pagination: Pagination(page: page, size: 20), timeZone: timeZone)
        } catch let error as APIError {
            problem = error.detail
            query = OrderQuery(page: 1, size: 20)
        }
        // Staff lists page by keyset and show no total: counting every order of a shop costs
        // more than the page.
        query.countsTotal = !user.isStaff
        let list =
            user.isStaff
            ? try await orders.all(query, by: user.actor, logger: context.logger)
            : try await orders.mine(query, by: user.actor, logger: context.logger)
        let encoded = Self.encode(kept)
        var view = OrderListPage(
            staff: user.isStaff, filters: filterForm(query, kept: kept, staff: user.isStaff), orders: list.orders.map(row),
            empty: list.orders.isEmpty, summary: "", exportHref: "/orders/export.csv" + (encoded.isEmpty ? "" : "?" + encoded)
        )
        if let next = list.nextCursor, user.isStaff || query.cursor != nil {
            view.next = "/orders?" + Self.encode(kept + [("cursor", next.token)])
        }
        if query.cursor != nil { view.first = "/orders" + (encoded.isEmpty ? "" : "?" + encoded) }
        if let total = list.total, query.cursor == nil {
            let paging = ConsolePaging(page: page, size: 20, total: total, path: "/orders", query: kept)
            view.summary = paging.summary
            if !user.isStaff { view.paging = paging }
        } else {
            view.summary =
                list.orders.isEmpty
                ? "Nothing here"
                : list.nextCursor == nil && query.cursor == nil ? "\(list.orders.count) orders" : "\(list.orders.count) orders on this page"
        }
        return pages.render(
            "orders", title: user.isStaff ? "Orders" : "My orders", section: "orders", page: view, context: context, request: request,
            notice: problem, status: problem == nil ? .ok : .badRequest, cartCount: await cartCount(user, context: context)
        )
    }

    func filterForm(_ query: OrderQuery, kept: [(String, String)], staff: Bool) -> OrderFilterForm {
        let value = { (name: String) in kept.first { $0.0 == name }?.1 ?? "" }
        let statuses =
            [Option(value: "", label: "Any status", selected: query.statuses.isEmpty)]
            + OrderStatus.allCases.map {
                Option(value: $0.rawValue, label: ConsoleFormat.label($0), selected: query.statuses == [$0])
            }
        let sortLabels: [OrderQuery.Sort: String] = [
            .newest: "Newest first", .oldest: "Oldest first", .largest: "Largest total", .smallest: "Smallest total",
        ]
        return OrderFilterForm(
            statuses: statuses, from: value("created_from"), to: value("created_to"), q: value("q"), userID: value("user_id"),
            minTotal: value("min_total"), maxTotal: value("max_total"),
            sorts: OrderQuery.Sort.allCases.map {
                Option(value: $0.rawValue, label: sortLabels[$0] ?? $0.rawValue, selected: query.sort == $0)
            },
            active: kept.contains { $0.0 != "sort" }, query: Self.encode(kept)
        )
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(separator: "&")
    }

    /// The CSV of the current filter, the same file as `GET /api/orders/export`.
    @Sendable func exportOrders(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        let query = try OrderFilters.query(request, pagination: Pagination(page: 1, size: 20), timeZone: timeZone)
        return try OrdersController.csv(
            query, by: user.actor, operations: orders, time: DisplayTime(timeZone: timeZone), logger: context.logger)
    }

    // MARK: Bulk

    struct BulkForm: Decodable {
        var action: String
        var ids: [String]?
        var back: String?
    }

    /// What became of one order of a bulk action.
    struct BulkResult: Sendable {
        var reference: String
        var href: String
        var ok: Bool
        var message: String
    }

    struct BulkPage: Sendable {
        var action: String
        var results: [BulkResult]
        var applied: Int
        var refused: Int
        var back: String
    }

    /// Marks processing or cancels the selected orders one by one, each through the same
    /// operation (and audit event) as a single change, and shows what became of each.
    @Sendable func bulk(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .vendor, .admin)
        let form = try await Self.form(BulkForm.self, request, context: context)
        let back = Self.safeReturn(form.back.flatMap { $0.hasPrefix("/orders") ? $0 : nil } ?? "/orders")
        let ids = Array((form.ids ?? []).prefix(100))
        guard !ids.isEmpty else { return pages.redirect(back) }
        guard form.action == "process" || form.action == "cancel" else {
            throw InvalidInput(field: "action", message: "must be process or cancel")
        }
        var results: [BulkResult] = []
        for raw in ids {
            guard let id = UUID(uuidString: raw) else {
                results.append(BulkResult(reference: String(raw.prefix(40)), href: "/orders", ok: false, message: "not an order id"))
                continue
            }
            let reference = ConsoleFormat.reference(id)
            let href = "/orders/" + id.uuidString.lowercased()
            do {
                let order =
                    form.action == "process"
                    ? try await orders.changeStatus(
                        of: id, to: .processing, notes: "bulk action", trackingNumber: nil, by: user.actor, logger: context.logger)
                    : try await orders.cancel(id, reason: "bulk action", by: user.actor, logger: context.logger)
                results.append(
                    BulkResult(reference: reference, href: href, ok: true, message: "now " + ConsoleFormat.label(order.status).lowercased())
                )
            } catch let error as OrderError {
                results.append(
                    BulkResult(reference: reference, href: href, ok: false, message: pages.problems.answer(to: error).detail ?? "refused"))
            }
        }
        let applied = results.filter(\.ok).count
        let view = BulkPage(
            action: form.action == "process" ? "Mark processing" : "Cancel", results: results, applied: applied,
            refused: results.count - applied, back: back
        )
        return pages.render("bulk", title: "Bulk action", section: "orders", page: view, context: context, request: request)
    }

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
    }

    static func orderID(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw OrderError(.notFound) }
        return id
    }

    /// An order its viewer may see (someone else's is the 404 page, as in the API).
    @Sendable func orderPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        return try await showOrder(try Self.orderID(context), user: user, request: request, context: context)
    }

    func showOrder(
        _ id: UUID, user: ConsoleUser, error: String? = nil, problems: [String: String] = [:], status: HTTPResponse.Status = .ok,
        request: Request, context: AppRequestContext
    ) async throws -> Response {
        let (order, events) = try await orders.orderWithEvents(id, visibleTo: user.actor, logger: context.logger)
        let now = Date()
        let staff = user.isStaff
        let moves = staff ? Self.moves(from: order.status) : []
        let lines = order.items.map {
            LineView(
                sku: $0.productSKU, name: $0.productName, quantity: $0.quantity, unitPrice: format.money($0.unitPrice),
                total: format.money($0.totalPrice))
        }
        let canCancel = !staff && order.status == .pending && order.cancellableUntil > now
        let canEdit = staff ? ![.delivered, .cancelled].contains(order.status) : order.status == .pending
        var view = OrderPage(
            id: order.id.uuidString.lowercased(), reference: ConsoleFormat.reference(order.id), status: order.status.rawValue,
            statusLabel: ConsoleFormat.label(order.status), created: format.time(order.createdAt), updated: format.time(order.updatedAt),
            lines: lines, total: format.money(order.totalAmount), itemsCount: order.itemsCount, customerName: order.customerName,
            customerEmail: order.customerEmail, customerPhone: order.customerPhone ?? "", shippingAddress: order.shippingAddress,
            notes: order.notes ?? "", trackingNumber: order.trackingNumber, events: events.map { event(view: $0, viewer: user) },
            staff: staff,
            pending: order.status == .pending, canCancel: canCancel, cancellableUntil: format.time(order.cancellableUntil),
            cancellableUntilMachine: format.machine(order.cancellableUntil),
            cancelRemaining: Self.remaining(until: order.cancellableUntil, now: now),
            autoProcessAt: format.time(order.autoProcessAt), autoProcessAtMachine: format.machine(order.autoProcessAt),
            autoRemaining: Self.remaining(until: order.autoProcessAt, now: now), canEdit: canEdit, moves: moves,
            staffCanCancel: staff && order.status.next.contains(.cancelled), error: error, serverNow: format.machine(now)
        )
        view.problems = problems
        return pages.render(
            "order", title: "Order " + view.reference, section: "orders", page: view, context: context, request: request, status: status,
            cartCount: await cartCount(user, context: context)
        )
    }

    /// The forward moves staff may make from `status` (cancelling has its own form).
    static func moves(from status: OrderStatus) -> [Move] {
        let labels: [OrderStatus: String] = [.processing: "Mark processing", .shipped: "Ship", .delivered: "Mark delivered"]
        return [OrderStatus.processing, .shipped, .delivered].filter { status.next.contains($0) }.map { target in
            Move(status: target.rawValue, label: labels[target] ?? target.rawValue, needsTracking: target == .shipped, danger: false)
        }
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

    struct CancelForm: Decodable {
        var reason: String?
    }

    @Sendable func cancelOrder(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        let id = try Self.orderID(context)
        let form = try await Self.form(CancelForm.self, request, context: context)
        do {
            _ = try await orders.cancel(id, reason: form.reason.flatMap { $0.isEmpty ? nil : $0 }, by: user.actor, logger: context.logger)
            return pages.redirect("/orders/" + id.uuidString.lowercased(), notice: "cancelled")
        } catch let error as InvalidInput {
            return try await orderAgain(
                id, user: user, error: "Please correct the reason.", problems: Self.problems(error), request: request, context: context)
        } catch let error as OrderError where error.code != .notFound {
            return try await orderAgain(id, user: user, error: pages.problems.answer(to: error).detail, request: request, context: context)
        }
    }

    struct DetailsForm: Decodable {
        var customerName: String
        var customerPhone: String?
        var shippingAddress: String
        var notes: String?

        enum CodingKeys: String, CodingKey {
            case notes
            case customerName = "customer_name"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }
    }

    @Sendable func updateOrderDetails(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        let id = try Self.orderID(context)
        let form = try await Self.form(DetailsForm.self, request, context: context)
        let details = OrderDetails(
            customerName: form.customerName, customerPhone: .some(form.customerPhone.flatMap { $0.isEmpty ? nil : $0 }),
            shippingAddress: form.shippingAddress, notes: .some(form.notes.flatMap { $0.isEmpty ? nil : $0 })
        )
        do {
            _ = try await orders.updateDetails(of: id, details, by: user.actor, logger: context.logger)
            return pages.redirect("/orders/" + id.uuidString.lowercased(), notice: "saved")
        } catch let error as InvalidInput {
            return try await orderAgain(
                id, user: user, error: "Please correct the fields below.", problems: Self.problems(error), request: request,
                context: context)
        } catch let error as OrderError where error.code != .notFound {
            return try await orderAgain(id, user: user, error: pages.problems.answer(to: error).detail, request: request, context: context)
        }
    }

    struct StatusForm: Decodable {
        var status: String
        var trackingNumber: String?
        var notes: String?

        enum CodingKeys: String, CodingKey {
            case status, notes
            case trackingNumber = "tracking_number"
        }
    }

    /// A staff move (process, ship with a tracking number, deliver, cancel) through the API's
    /// operation.
    @Sendable func changeOrderStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return signInFirst(request) }
        _ = try Self.require(user, .vendor, .admin)
        let id = try Self.orderID(context)
        let form = try await Self.form(StatusForm.self, request, context: context)
        guard let status = OrderStatus(rawValue: form.status) else { throw InvalidInput(field: "status", message: "is not a status") }
        let notes = form.notes.flatMap { $0.isEmpty ? nil : $0 }
        do {
            if status == .cancelled {
                _ = try await orders.cancel(id, reason: notes, by: user.actor, logger: context.logger)
            } else {
                let tracking = form.trackingNumber.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                _ = try await orders.changeStatus(
                    of: id, to: status, notes: notes, trackingNumber: tracking, by: user.actor, logger: context.logger)
            }
            return pages.redirect("/orders/" + id.uuidString.lowercased(), notice: status == .cancelled ? "cancelled" : "moved")
        } catch let error as InvalidInput {
            return try await orderAgain(
                id, user: user, error: "Please correct the fields below.", problems: Self.problems(error), request: request,
                context: context)
        } catch let error as OrderError where error.code != .notFound {
            return try await orderAgain(id, user: user, error: pages.problems.answer(to: error).detail, request: request, context: context)
        }
    }

    /// The order page again with what went wrong (422 for a field, 409 for a refused change).
    private func orderAgain(
        _ id: UUID, user: ConsoleUser, error: String?, problems: [String: String] = [:], request: Request, context: AppRequestContext
    ) async throws -> Response {
        return try await showOrder(
            id, user: user, error: error, problems: problems, status: problems.isEmpty ? .conflict : .unprocessableContent,
            request: request,
            context: context
        )
    }
}
