import Foundation
import Logging
import NIOCore

/// What can be done with orders, below HTTP: the JSON API and the web console call these, so
/// every rule, limit, audit event and scheduled move is the same whichever front end acts.
///
/// Each operation returns domain values and throws domain errors (``OrderError``,
/// ``InvalidInput``, ``Forbidden``); mapping them to answers is the front end's job.
public struct OrderOperations: Sendable {
    let orders: any OrderRepository
    let schedule: TransitionSchedule
    public let rules: OrderRules
    /// How long an export may wait for its next page: its answer started long before, so the
    /// request's deadline no longer bounds it (the gateway's `REQUEST_TIMEOUT_SECONDS`).
    let exportPageTimeout: Duration
    /// The payment kinds' queues, with payments on: a new order's intent and a cancelled one's
    /// void are made by their jobs.
    let paymentJobs: JobQueues?

    public init(
        orders: any OrderRepository, schedule: TransitionSchedule, rules: OrderRules, exportPageTimeout: Duration = .seconds(5),
        paymentJobs: JobQueues? = nil
    ) {
        self.orders = orders
        self.schedule = schedule
        self.rules = rules
        self.exportPageTimeout = exportPageTimeout
        self.paymentJobs = paymentJobs
    }

    /// How long the scheduling of a move may hold up an order's commit when Redis stalls.
    static let scheduleTimeout = TimeAmount.milliseconds(500)

    // MARK: Placing

    /// Places an order (stock reserved, lines priced from the catalog, its `created` event), or
    /// with a known idempotency key returns the order placed the first time (`replayed`).
    ///
    /// The automatic move is scheduled before the commit, so a crash right after the commit
    /// cannot leave the order unscheduled; once is enough: a reconciler pass waits for the
    /// placements in progress before it reads (``Reconciler/runOnce(logger:)``), so a job Redis
    /// loses before the commit is enqueued again by the pass that follows the loss. A failed
    /// enqueue is retried (``ScheduleRetries``), and the reconciler is the last safety net.
    public func place(_ input: OrderInput, by actor: Actor, idempotencyKey: String?, logger: Logger) async throws -> (
        order: Order, replayed: Bool
    ) {
        let newOrder = try input.newOrder(for: actor, idempotencyKey: idempotencyKey)
        let (order, replayed) = try await orders.create(newOrder, rules: rules, logger: logger) { [schedule] created in
            await schedule.schedule(orderID: created.id, dueAt: created.autoProcessAt, timeout: Self.scheduleTimeout, logger: logger)
        }
        if let payment = order.payment, payment.intentID == nil {
            // After the commit (a job before it would find no payment yet).
            await enqueuePayment(.paymentIntent, of: order.id, logger: logger)
        }
        logger.info("order placed", metadata: ["order.id": "\(order.id)", "order.replayed": "\(replayed)"])
        return (order, replayed)
    }

    /// The order `actor` placed with `idempotencyKey` in the last 24 hours, if any: a form sent
    /// twice finds the first one's order after its cart is gone.
    public func placed(withKey idempotencyKey: String, by actor: Actor, logger: Logger) async throws -> UUID? {
        try await orders.find(idempotencyKey: idempotencyKey, userID: actor.id, logger: logger)
    }

    // MARK: Reading

    /// The order when `actor` may see it: their own, or any for staff. Someone else's order is
    /// ``OrderError/Code/notFound``, as if it did not exist.
    public func order(_ id: UUID, visibleTo actor: Actor, logger: Logger) async throws -> Order {
        guard let order = try await orders.find(id: id, logger: logger), actor.isStaff || order.userID == actor.id else {
            throw OrderError(.notFound)
        }
        return order
    }

    /// An order's audit trail, oldest first, when `actor` may see the order.
    public func events(of id: UUID, visibleTo actor: Actor, logger: Logger) async throws -> [OrderEvent] {
        let order = try await order(id, visibleTo: actor, logger: logger)
        return try await orders.events(orderID: order.id, logger: logger)
    }

    /// The order and its audit trail, read at once, when `actor` may see it.
    public func orderWithEvents(_ id: UUID, visibleTo actor: Actor, logger: Logger) async throws -> (order: Order, events: [OrderEvent]) {
        async let events = orders.events(orderID: id, logger: logger)
        let order = try await order(id, visibleTo: actor, logger: logger)
        return (order, try await events)
    }

    /// `actor`'s own orders matching `query` (whatever user the query names).
    public func mine(_ query: OrderQuery, by actor: Actor, logger: Logger) async throws -> OrderList {
        var query = query
        query.userID = actor.id
        return try await orders.list(query, logger: logger)
    }

    /// Every order matching `query`: staff only.
    public func all(_ query: OrderQuery, by actor: Actor, logger: Logger) async throws -> OrderList {
        try staffOnly(actor)
        return try await orders.list(query, logger: logger)
    }

    /// Counts, revenue and orders per day of `query`'s orders, days in `timeZone`: staff only.
    public func stats(_ query: OrderQuery, timeZone: TimeZone, by actor: Actor, logger: Logger) async throws -> OrderStats {
        try staffOnly(actor)
        return try await orders.stats(query, timeZone: timeZone.identifier, logger: logger)
    }

    /// Counts and revenue of `actor`'s own orders (the customer's dashboard), days in `timeZone`.
    public func myStats(by actor: Actor, timeZone: TimeZone, logger: Logger) async throws -> OrderStats {
        try await orders.stats(OrderQuery(userID: actor.id), timeZone: timeZone.identifier, logger: logger)
    }

    /// Streams `query`'s orders, newest first, to `row`: staff only. Check ``staffOnly(_:)``
    /// first when the stream starts after the response does. A page that cannot be read in time
    /// (a store restarting) ends the stream with an error, so the answer is cut, not held open.
    public func export(_ query: OrderQuery, by actor: Actor, logger: Logger, row: (OrderExportRow) async throws -> Void) async throws {
        try staffOnly(actor)
        try await orders.export(query, pageTimeout: exportPageTimeout, logger: logger, row: row)
    }

    /// The rule of every staff-only operation here (everyone's orders, their stats and export,
    /// moves): a front end that reads input first asks it early, to answer 403 before 422.
    public func staffOnly(_ actor: Actor) throws(Forbidden) {
        try Forbidden.unless(actor, is: .vendor, .admin)
    }

    // MARK: Changing

    /// Changes the delivery details when ``OrderPolicy`` lets `actor` (the owner while the order
    /// is pending, staff until it is delivered or cancelled).
    public func updateDetails(of id: UUID, _ details: OrderDetails, by actor: Actor, logger: Logger) async throws -> Order {
        var validator = InputValidator()
        validator.length(details.customerName, "customer_name", 1...100)
        validator.length(details.customerPhone ?? nil, "customer_phone", 0...32)
        validator.length(details.shippingAddress, "shipping_address", 1...500)
        validator.length(details.notes ?? nil, "notes", 0...2000)
        try validator.validate()
        return try await orders.updateDetails(id: id, details, by: actor, logger: logger)
    }

    /// Cancels the order and returns its stock when ``OrderPolicy`` lets `actor` (the owner while
    /// it is pending and within the cancel window, staff while it is pending or processing). Its
    /// scheduled move is dropped.
    public func cancel(_ id: UUID, reason: String?, by actor: Actor, logger: Logger) async throws -> Order {
        var validator = InputValidator()
        validator.length(reason, "reason", 0...500)
        try validator.validate()
        let order = try await orders.apply(OrderPolicy(actor).cancellation(reason: reason), to: id, logger: logger)
        await schedule.unschedule(orderID: id, logger: logger)
        if order.payment != nil { await enqueuePayment(.paymentVoid, of: id, logger: logger) }
        return order
    }

    /// Enqueues the order's job of a payment `kind` now; a crash or an unanswered enqueue leaves
    /// it to that kind's reconciler, which finds it from the payments ledger.
    func enqueuePayment(_ kind: JobKind, of order: UUID, logger: Logger) async {
        guard let paymentJobs else { return }
        do {
            try await paymentJobs[kind].enqueue(order.lowercasedString, dueAt: Date(), timeout: Self.scheduleTimeout, logger: logger)
        } catch {
            logger.warning(
                "could not enqueue the order's payment job; its reconciler will",
                metadata: Logger.Metadata.describing(error, ["order.id": "\(order)", "job.kind": "\(kind.rawValue)"]))
        }
    }

    /// Moves the order to `status` (staff only): any legal next state; `shipped` needs a tracking
    /// number. `notes` are stored on the event.
    public func changeStatus(
        of id: UUID, to status: OrderStatus, notes: String?, trackingNumber: String?, by actor: Actor, logger: Logger
    ) async throws -> Order {
        try staffOnly(actor)
        var validator = InputValidator()
        validator.length(notes, "notes", 0...500)
        validator.length(trackingNumber, "tracking_number", 1...100)
        if status == .shipped { validator.check(trackingNumber != nil, "tracking_number", "is required to ship an order") }
        try validator.validate()
        let transition = OrderPolicy(actor).move(to: status, notes: notes, trackingNumber: trackingNumber)
        let order = try await orders.apply(transition, to: id, logger: logger)
        if status == .cancelled {
            await schedule.unschedule(orderID: id, logger: logger)
            if order.payment != nil { await enqueuePayment(.paymentVoid, of: id, logger: logger) }
        }
        return order
    }
}
