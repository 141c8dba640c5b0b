import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceHTTP
import Store

/// `/api/orders`: placing, reading, cancelling and moving orders.
struct OrdersController: Sendable {
    let orders: any OrderRepository
    let schedule: TransitionSchedule
    let rules: OrderRules
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

    struct CreateRequest: Decodable {
        struct Line: Decodable {
            var productSKU: String
            var quantity: Int

            enum CodingKeys: String, CodingKey {
                case quantity
                case productSKU = "product_sku"
            }
        }

        var customerName: String
        var customerEmail: String
        var customerPhone: String?
        var shippingAddress: String
        var notes: String?
        var items: [Line]

        enum CodingKeys: String, CodingKey {
            case notes, items
            case customerName = "customer_name"
            case customerEmail = "customer_email"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let key = request.headers[Self.idempotencyKey]
        if let key, !(1...255).contains(key.unicodeScalars.count) {
            throw APIError(.unprocessableContent, "The Idempotency-Key header must be 1 to 255 characters.", errors: [.init(field: "Idempotency-Key", message: "must be 1 to 255 characters")])
        }
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        var validator = Validator()
        validator.length(body.customerName, "customer_name", 1...100)
        validator.email(body.customerEmail, "customer_email")
        validator.length(body.customerPhone, "customer_phone", 0...32)
        validator.length(body.shippingAddress, "shipping_address", 1...500)
        validator.length(body.notes, "notes", 0...2000)
        validator.check((1...100).contains(body.items.count), "items", "must hold 1 to 100 lines")
        for (index, line) in body.items.enumerated() {
            validator.length(line.productSKU, "items[\(index)].product_sku", 1...64)
            validator.check((1...1000).contains(line.quantity), "items[\(index)].quantity", "must be between 1 and 1000")
        }
        // Every quantity is known to be in range before any arithmetic on them.
        try validator.validate()
        // Duplicate SKUs are merged into one line (at most 100 × 1000, but checked all the same).
        var merged: [String: Int] = [:]
        for line in body.items {
            let (sum, overflow) = merged[line.productSKU, default: 0].addingReportingOverflow(line.quantity)
            merged[line.productSKU] = overflow ? .max : sum
        }
        for (sku, quantity) in merged where quantity > 1000 {
            validator.check(false, "items", "\(sku) adds up to \(quantity); at most 1000 per product")
        }
        try validator.validate()
        let lines = merged.sorted { $0.key < $1.key }.map { (sku: $0.key, quantity: $0.value) }

        let newOrder = NewOrder(
            userID: identity.userID, actorRole: identity.role, customerName: body.customerName,
            customerEmail: body.customerEmail, customerPhone: body.customerPhone, shippingAddress: body.shippingAddress,
            notes: body.notes, lines: lines, idempotencyKey: key, requestHash: key.map { _ in Self.hash(body, lines: lines) }
        )
        // The move is scheduled before the commit (so a crash right after it cannot leave the
        // order unscheduled) and again after it: Redis may have lost its data in between, and a
        // reconciler pass at that moment could not see the order yet. Enqueueing is idempotent.
        let (order, replayed) = try await mapped { [schedule, logger = context.logger] in
            try await orders.create(newOrder, rules: rules, logger: logger) { created in
                await schedule.schedule(orderID: created.id, dueAt: created.autoProcessAt, timeout: .milliseconds(500), logger: logger)
            }
        }
        if !replayed { await schedule.schedule(orderID: order.id, dueAt: order.autoProcessAt, timeout: .milliseconds(500), logger: context.logger) }
        context.logger.info("order created", metadata: ["order.id": "\(order.id)", "order.replayed": "\(replayed)"])
        var response = try OrderResponse(order: order, time: time).response(from: request, context: context)
        response.status = .created
        if replayed { response.headers[Self.replayed] = "true" }
        return response
    }

    /// SHA-256 over the request's meaning (merged lines, trimmed fields), so a replay is
    /// recognised whatever the JSON's key order or spacing.
    static func hash(_ body: CreateRequest, lines: [(sku: String, quantity: Int)]) -> [UInt8] {
        var text = [body.customerName, body.customerEmail, body.customerPhone ?? "\u{0}", body.shippingAddress, body.notes ?? "\u{0}"]
            .joined(separator: "\u{1F}")
        for line in lines { text += "\u{1E}\(line.sku)\u{1F}\(line.quantity)" }
        return Array(SHA256.hash(data: Array(text.utf8)))
    }

    // MARK: Read

    @Sendable func listMine(_ request: Request, context: AppRequestContext) async throws -> Paginated<OrderResponse> {
        let identity = try context.requireIdentity()
        let pagination = try Pagination(request)
        var query = try OrderFilters.query(request, pagination: pagination, timeZone: timeZone)
        query.userID = identity.userID
        return try await page(query, pagination: pagination, context: context)
    }

    @Sendable func listAll(_ request: Request, context: AppRequestContext) async throws -> Paginated<OrderResponse> {
        _ = try context.require(.vendor, .admin)
        let pagination = try Pagination(request)
        return try await page(try OrderFilters.query(request, pagination: pagination, timeZone: timeZone), pagination: pagination, context: context)
    }

    private func page(_ query: OrderQuery, pagination: Pagination, context: AppRequestContext) async throws -> Paginated<OrderResponse> {
        let page = try await orders.list(query, logger: context.logger)
        return Paginated(
            items: page.orders.map { OrderResponse(order: $0, time: time) }, total: page.total, pagination: pagination,
            nextCursor: page.nextCursor?.token
        )
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        OrderResponse(order: try await visibleOrder(context), time: time)
    }

    struct EventResponse: Encodable, Sendable {
        var event: OrderEvent
        var time: DisplayTime

        enum CodingKeys: String, CodingKey {
            case id, actor, reason, at
            case fromStatus = "from_status"
            case toStatus = "to_status"
        }

        struct Actor: Encodable {
            var id: String
            var role: Role?
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(event.id.uuidString.lowercased(), forKey: .id)
            try container.encode(event.fromStatus, forKey: .fromStatus)
            try container.encode(event.toStatus, forKey: .toStatus)
            if let actor = event.actorID {
                try container.encode(Actor(id: actor.uuidString.lowercased(), role: event.actorRole), forKey: .actor)
            } else {
                try container.encode("system", forKey: .actor)
            }
            try container.encode(event.reason, forKey: .reason)
            try container.encode(time.string(from: event.at), forKey: .at)
        }
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let order = try await visibleOrder(context)
        let events = try await orders.events(orderID: order.id, logger: context.logger).map { EventResponse(event: $0, time: time) }
        return try context.responseEncoder.encode(events, from: request, context: context)
    }

    // MARK: Staff reports

    struct StatsResponse: Encodable, Sendable, ResponseEncodable {
        struct Day: Encodable, Sendable {
            var date: String
            var orders: Int
            var revenue: String
        }

        struct Revenue: Encodable, Sendable {
            var delivered: String
            var open: String
            var total: String
        }

        var counts: [String: Int]
        var totalOrders: Int
        var revenue: Revenue
        var currency: String
        var timezone: String
        var perDay: [Day]

        enum CodingKeys: String, CodingKey {
            case counts, revenue, currency, timezone
            case totalOrders = "total_orders"
            case perDay = "per_day"
        }
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> StatsResponse {
        _ = try context.require(.vendor, .admin)
        let query = try OrderFilters.query(request, pagination: try Pagination(request), timeZone: timeZone)
        let stats = try await orders.stats(query, timeZone: timeZone.identifier, logger: context.logger)
        var counts: [String: Int] = [:]
        for status in OrderStatus.allCases { counts[status.rawValue] = stats.counts[status] ?? 0 }
        return StatsResponse(
            counts: counts, totalOrders: counts.values.reduce(0, +),
            revenue: .init(
                delivered: stats.deliveredRevenue.moneyString, open: stats.openRevenue.moneyString,
                total: (stats.deliveredRevenue + stats.openRevenue).moneyString
            ),
            currency: rules.currency, timezone: timeZone.identifier,
            perDay: stats.perDay.map { .init(date: $0.date, orders: $0.orders, revenue: $0.revenue.moneyString) }
        )
    }

    static let csvHeader = [
        "id", "created_at", "status", "customer_name", "customer_email", "customer_phone", "shipping_address", "notes",
        "total_amount", "currency", "tracking_number", "items_count", "items",
    ]

    /// Streams CSV straight from the database cursor: constant memory for any number of orders.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.vendor, .admin)
        let query = try OrderFilters.query(request, pagination: try Pagination(request), timeZone: timeZone)
        let orders = self.orders
        let time = self.time
        let logger = context.logger
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"orders.csv\""],
            body: ResponseBody { writer in
                var csv = CSVWriter()
                csv.row(Self.csvHeader)
                try await orders.export(query, logger: logger) { row in
                    let order = row.order
                    csv.row([
                        order.id.uuidString.lowercased(), time.string(from: order.createdAt), order.status.rawValue,
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

    // MARK: Details

    struct DetailsRequest: Decodable {
        var customerName: String?
        var customerPhone: String??
        var shippingAddress: String?
        var notes: String??

        enum CodingKeys: String, CodingKey {
            case notes
            case customerName = "customer_name"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            customerName = try container.decodeIfPresent(String.self, forKey: .customerName)
            customerPhone = try container.decodeNullable(String.self, forKey: .customerPhone)
            shippingAddress = try container.decodeIfPresent(String.self, forKey: .shippingAddress)
            notes = try container.decodeNullable(String.self, forKey: .notes)
        }
    }

    @Sendable func updateDetails(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let identity = try context.requireIdentity()
        let id = try Self.id(context)
        let body = try await request.decodeJSON(DetailsRequest.self, context: context)
        var validator = Validator()
        validator.length(body.customerName, "customer_name", 1...100)
        validator.length(body.customerPhone ?? nil, "customer_phone", 0...32)
        validator.length(body.shippingAddress, "shipping_address", 1...500)
        validator.length(body.notes ?? nil, "notes", 0...2000)
        try validator.validate()
        let details = OrderDetails(customerName: body.customerName, customerPhone: body.customerPhone, shippingAddress: body.shippingAddress, notes: body.notes)
        let order = try await mapped {
            try await orders.updateDetails(id: id, details, owner: identity.role.isStaff ? nil : identity.userID, logger: context.logger)
        }
        return OrderResponse(order: order, time: time)
    }

    // MARK: Transitions

    struct CancelRequest: Decodable {
        var reason: String?
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let identity = try context.requireIdentity()
        let id = try Self.id(context)
        var reason: String?
        if request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) {
            reason = try await request.decodeJSON(CancelRequest.self, context: context).reason
        }
        var validator = Validator()
        validator.length(reason, "reason", 0...500)
        try validator.validate()
        let transition = identity.role.isStaff
            ? Transition(to: .cancelled, from: [.pending, .processing], actorID: identity.userID, actorRole: identity.role, reason: reason)
            : Transition(to: .cancelled, from: [.pending], actorID: identity.userID, actorRole: identity.role, reason: reason, ownerWithinCancelWindow: identity.userID)
        let order = try await mapped { try await orders.apply(transition, to: id, logger: context.logger) }
        await schedule.unschedule(orderID: id, logger: context.logger)
        return OrderResponse(order: order, time: time)
    }

    struct StatusRequest: Decodable {
        var status: OrderStatus
        var notes: String?
        var trackingNumber: String?

        enum CodingKeys: String, CodingKey {
            case status, notes
            case trackingNumber = "tracking_number"
        }
    }

    @Sendable func changeStatus(_ request: Request, context: AppRequestContext) async throws -> OrderResponse {
        let identity = try context.require(.vendor, .admin)
        let id = try Self.id(context)
        let body = try await request.decodeJSON(StatusRequest.self, context: context)
        var validator = Validator()
        validator.length(body.notes, "notes", 0...500)
        validator.length(body.trackingNumber, "tracking_number", 1...100)
        if body.status == .shipped { validator.check(body.trackingNumber != nil, "tracking_number", "is required to ship an order") }
        try validator.validate()
        let order = try await mapped {
            try await orders.apply(
                Transition(to: body.status, from: Set(OrderStatus.allCases), actorID: identity.userID, actorRole: identity.role,
                           reason: body.notes, trackingNumber: body.trackingNumber),
                to: id, logger: context.logger
            )
        }
        if body.status == .cancelled { await schedule.unschedule(orderID: id, logger: context.logger) }
        return OrderResponse(order: order, time: time)
    }

    // MARK: Helpers

    /// The order when the caller may see it; someone else's order is 404, as if it did not exist.
    private func visibleOrder(_ context: AppRequestContext) async throws -> Order {
        let identity = try context.requireIdentity()
        guard let order = try await orders.find(id: try Self.id(context), logger: context.logger),
            identity.role.isStaff || order.userID == identity.userID
        else { throw APIError(.notFound, "No such order.") }
        return order
    }

    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw APIError(.notFound, "No such order.") }
        return id
    }

    /// Turns the store's refusals into the API's answers.
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as OrderError {
            switch error.code {
            case .outOfStock:
                throw APIError(
                    .conflict, "Not enough stock for " + error.shortages.map(\.sku).joined(separator: ", ") + ".", type: "/problems/out-of-stock",
                    errors: error.shortages.map { .init(field: $0.sku, message: "requested \($0.requested), available \($0.available)") }
                )
            case .unknownProducts:
                throw APIError(
                    .unprocessableContent, "Unknown or unavailable products: " + error.unknownSKUs.joined(separator: ", ") + ".",
                    errors: error.unknownSKUs.map { .init(field: "items", message: "\($0) is not in the catalog") }
                )
            case .tooManyPending:
                throw APIError(.conflict, "You already have \(rules.maxPendingOrders) pending orders; wait for them to be processed or cancel one.")
            case .idempotencyInProgress:
                throw APIError(.conflict, "A request with this Idempotency-Key is still being processed; retry shortly.")
            case .totalTooLarge:
                throw APIError(
                    .unprocessableContent, "The order's total would exceed \(Money.maximum.moneyString), the most an order may cost.",
                    errors: [.init(field: "items", message: "the total would exceed \(Money.maximum.moneyString)")]
                )
            case .idempotencyMismatch:
                throw APIError(.unprocessableContent, "This Idempotency-Key was already used with a different request body.")
            case .cancelWindowClosed:
                throw APIError(.conflict, "The cancel window of this order has closed; contact the shop.")
            case .illegalTransition:
                throw APIError(.conflict, "The order is \(error.currentStatus?.rawValue ?? "in another state"); that change is not allowed now.")
            default:
                throw APIError(.notFound, "No such order.")
            }
        }
    }
}
