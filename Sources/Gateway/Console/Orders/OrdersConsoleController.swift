import Foundation
import Hummingbird
import OrderPayments
import ProcessSupport
import ServiceHTTP
import Store

/// A customer's orders and every order for staff: the list with the API's filters, the CSV export, bulk actions,
/// and one order's page with its changes (``OrdersConsoleController+order``), all through the API's operations.
struct OrdersConsoleController: Sendable {
    let orders: OrderOperations
    let pages: ConsolePages
    let format: ConsoleFormat
    let timeZone: TimeZone
    /// Paying, with payments on (the owner's payment form on the order's page).
    var payments: PaymentOperations? = nil

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/orders", use: orderList)
        router.get("/orders/export.csv", use: exportOrders)
        router.post("/orders/bulk", use: bulk)
        router.get("/orders/{id}", use: orderPage)
        router.post("/orders/{id}/cancel", use: cancelOrder)
        router.post("/orders/{id}/details", use: updateOrderDetails)
        router.post("/orders/{id}/status", use: changeOrderStatus)
        router.post("/orders/{id}/payment", use: payOrder)
        router.post("/orders/{id}/payment/authenticate", use: authenticatePayment)
        router.post("/orders/{id}/refunds", use: refundOrder)
    }

    /// The list's filters as the form shows them (what was typed, kept in the URL).
    struct OrderFilterForm: Sendable {
        var statuses: [ConsoleOption]
        var from: String
        var to: String
        var q: String
        var userID: String
        var minTotal: String
        var maxTotal: String
        var sorts: [ConsoleOption]
        /// Whether any filter is set (the page offers to clear them).
        var active: Bool
        /// The filters as a query string (for the CSV link).
        var query: String
    }

    struct OrderListPage: Sendable {
        var staff: Bool
        var filters: OrderFilterForm
        var orders: [OrderListRow]
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
        guard let user = context.console else { return pages.signInFirst(request) }
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
        let encoded = ConsoleForm.query(kept)
        var view = OrderListPage(
            staff: user.isStaff, filters: filterForm(query, kept: kept, staff: user.isStaff),
            orders: list.orders.map { OrderListRow($0, format: format) },
            empty: list.orders.isEmpty, summary: "", exportHref: "/orders/export.csv" + (encoded.isEmpty ? "" : "?" + encoded)
        )
        if let next = list.nextCursor, user.isStaff || query.cursor != nil {
            view.next = "/orders?" + ConsoleForm.query(kept + [("cursor", next.token)])
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
            notice: problem, status: problem == nil ? .ok : .badRequest, cartCount: await pages.cartCount(user, context: context)
        )
    }

    func filterForm(_ query: OrderQuery, kept: [(String, String)], staff: Bool) -> OrderFilterForm {
        let value = { (name: String) in kept.first { $0.0 == name }?.1 ?? "" }
        let statuses =
            [ConsoleOption(value: "", label: "Any status", selected: query.statuses.isEmpty)]
            + OrderStatus.allCases.map {
                ConsoleOption(value: $0.rawValue, label: ConsoleFormat.label($0), selected: query.statuses == [$0])
            }
        let sortLabels: [OrderQuery.Sort: String] = [
            .newest: "Newest first", .oldest: "Oldest first", .largest: "Largest total", .smallest: "Smallest total",
        ]
        return OrderFilterForm(
            statuses: statuses, from: value("created_from"), to: value("created_to"), q: value("q"), userID: value("user_id"),
            minTotal: value("min_total"), maxTotal: value("max_total"),
            sorts: OrderQuery.Sort.allCases.map {
                ConsoleOption(value: $0.rawValue, label: sortLabels[$0] ?? $0.rawValue, selected: query.sort == $0)
            },
            active: kept.contains { $0.0 != "sort" }, query: ConsoleForm.query(kept)
        )
    }

    /// The CSV of the current filter, the same file as `GET /api/orders/export`.
    @Sendable func exportOrders(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
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
        guard let user = context.console else { return pages.signInFirst(request) }
        try orders.staffOnly(user.actor)
        let form = try await ConsoleForm.decode(BulkForm.self, request, context: context)
        let back = ConsoleForm.safeReturn(form.back.flatMap { $0.hasPrefix("/orders") ? $0 : nil } ?? "/orders")
        let ids = Array((form.ids ?? []).prefix(100))
        guard !ids.isEmpty else { return pages.redirect(back) }
        guard form.action == "process" || form.action == "cancel" else {
            throw InvalidInput(field: "action", message: "must be process or cancel")
        }
        var results: [BulkResult] = []
        for raw in ids {
            guard let id = UUID(parsing: raw) else {
                results.append(BulkResult(reference: String(raw.prefix(40)), href: "/orders", ok: false, message: "not an order id"))
                continue
            }
            let reference = ConsoleFormat.reference(id)
            let href = "/orders/" + id.lowercasedString
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

}
