import Hummingbird
import Logging
import ProcessSupport
import Store

extension OrdersController {
    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> OrderStatsResponse {
        let actor = try context.requireIdentity().actor
        try operations.staffOnly(actor)
        let query = try OrderFilters.query(request, pagination: try Pagination(request), timeZone: timeZone)
        let stats = try await operations.stats(query, timeZone: timeZone, by: actor, logger: context.logger)
        return OrderStatsResponse(stats, currency: operations.rules.currency, timeZone: timeZone)
    }

    static let csvHeader = [
        "id", "created_at", "status", "customer_name", "customer_email", "customer_phone", "shipping_address", "notes",
        "total_amount", "currency", "tracking_number", "items_count", "items",
    ]

    /// Streams CSV page by page from the database: constant memory for any number of orders.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        let query = try OrderFilters.query(request, pagination: try Pagination(request), timeZone: timeZone)
        return try Self.csv(query, by: actor, operations: operations, time: time, logger: context.logger)
    }

    /// The CSV of `query`'s orders as a streamed answer (the API's export and the console's).
    /// Whether `actor` may export is checked before the answer starts: the stream cannot turn
    /// into a 403 any more.
    static func csv(_ query: OrderQuery, by actor: Actor, operations: OrderOperations, time: DisplayTime, logger: Logger) throws -> Response
    {
        try operations.staffOnly(actor)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"orders.csv\""],
            body: ResponseBody { writer in
                var csv = CSVWriter()
                csv.row(Self.csvHeader)
                try await operations.export(query, by: actor, logger: logger) { row in
                    let order = row.order
                    csv.row([
                        order.id.lowercasedString, time.string(from: order.createdAt), order.status.rawValue,
                        order.customerName, order.customerEmail, order.customerPhone ?? "", order.shippingAddress,
                        order.notes ?? "", order.totalAmount.moneyString, order.currency, order.trackingNumber ?? "",
                        String(row.itemsCount), row.items,
                    ])
                    if csv.buffer.readableBytes >= 32 * 1024 { try await writer.write(csv.take()) }
                }
                try await writer.write(csv.take())
                try await writer.finish(nil)
            }
        )
    }
}
