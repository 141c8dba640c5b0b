import Foundation
import Store
import Testing

/// The order operations against the real stores: what the API and the console both rely on.
@Suite("Order operations", .timeLimit(.minutes(1)))
struct OrderOperationsTests {
    // MARK: Placing

    @Test func placingReservesStockAtTheCatalogsPriceAndAReplayPlacesNothingMore() async throws {
        try await TestShop.with { shop in
            let product = try await shop.product(price: Decimal(string: "12.50")!, stock: 10)
            let customer = try await shop.actor(.customer)
            let key = UUID().uuidString
            let input = OrderInput(TestShop.contact, lines: [(product.sku, 2), (product.sku, 1)])
            let first = try await shop.orders.place(input, by: customer, idempotencyKey: key, logger: shop.logger)
            #expect(!first.replayed && first.order.status == .pending)
            #expect(first.order.totalAmount == Decimal(string: "37.50")! && first.order.itemsCount == 3)
            let again = try await shop.orders.place(input, by: customer, idempotencyKey: key, logger: shop.logger)
            #expect(again.replayed && again.order.id == first.order.id)
            #expect(try await shop.reload(product).stock == 7)
            do {
                _ = try await shop.place(product, quantity: 8, by: customer)
                Issue.record("8 of 7 in stock were reserved")
            } catch let error as OrderError {
                #expect(error.code == .outOfStock && error.shortages.map(\.available) == [7])
            }
        }
    }

    @Test func someoneElsesOrderIsNotFound() async throws {
        try await TestShop.with { shop in
            let order = try await shop.place(try await shop.product(), by: try await shop.actor(.customer))
            let stranger = try await shop.actor(.customer)
            await #expect(throws: OrderError(.notFound)) { try await shop.orders.order(order.id, visibleTo: stranger, logger: shop.logger) }
            await #expect(throws: OrderError(.notFound)) {
                try await shop.orders.cancel(order.id, reason: nil, by: stranger, logger: shop.logger)
            }
            let vendor = try await shop.actor(.vendor)
            #expect(try await shop.orders.order(order.id, visibleTo: vendor, logger: shop.logger).id == order.id)
        }
    }

    // MARK: Lists

    /// A customer's default page (a prepared statement) reads as the general list statement does.
    @Test func aCustomersDefaultPageReadsAsTheGeneralList() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let (first, second) = (try await shop.product(stock: 100), try await shop.product(stock: 100))
            for quantity in 1...5 {
                let input = OrderInput(TestShop.contact, lines: [(first.sku, quantity), (second.sku, 1)])
                _ = try await shop.orders.place(input, by: customer, idempotencyKey: nil, logger: shop.logger)
            }
            _ = try await shop.place(first, by: try await shop.actor(.customer))
            for (page, size) in [(1, 20), (1, 2), (2, 2), (3, 2), (4, 2)] {
                let prepared = try await shop.orders.mine(OrderQuery(page: page, size: size), by: customer, logger: shop.logger)
                // Every status: the same orders, through the general statement.
                let general = try await shop.orders.mine(
                    OrderQuery(statuses: OrderStatus.allCases, page: page, size: size), by: customer, logger: shop.logger)
                #expect(prepared.orders == general.orders && prepared.total == 5 && general.total == 5)
                #expect(prepared.nextCursor == general.nextCursor && (prepared.nextCursor == nil) == (page * size >= 5))
                #expect(prepared.orders.allSatisfy { $0.items.count == 2 && $0.userID == customer.id })
            }
            let all = try await shop.orders.mine(OrderQuery(), by: customer, logger: shop.logger).orders
            #expect(all.map(\.createdAt) == all.map(\.createdAt).sorted(by: >))
        }
    }

    // MARK: Who may change what (OrderPolicy, enforced on the locked row)

    @Test func aCustomerCancelsTheirPendingOrderAndItsStockGoesBack() async throws {
        try await TestShop.with { shop in
            let product = try await shop.product(stock: 5)
            let customer = try await shop.actor(.customer)
            let order = try await shop.place(product, quantity: 2, by: customer)
            #expect(OrderPolicy(customer).mayCancel(order, now: Date()))
            let cancelled = try await shop.orders.cancel(order.id, reason: "changed my mind", by: customer, logger: shop.logger)
            #expect(cancelled.status == .cancelled)
            #expect(try await shop.reload(product).stock == 5)
            #expect(!OrderPolicy(customer).mayCancel(cancelled, now: Date()))
            await #expect(throws: OrderError(.illegalTransition, currentStatus: .cancelled)) {
                try await shop.orders.cancel(order.id, reason: nil, by: customer, logger: shop.logger)
            }
        }
    }

    @Test func aClosedCancelWindowRefusesTheCustomerButNotStaff() async throws {
        let rules = OrderRules(autoProcessAfterSeconds: 600, cancelWindowSeconds: 0, maxPendingOrders: 50, currency: "EUR")
        try await TestShop.with(rules: rules) { shop in
            let customer = try await shop.actor(.customer)
            let order = try await shop.place(try await shop.product(), by: customer)
            try await Task.sleep(for: .milliseconds(20))
            #expect(!OrderPolicy(customer).mayCancel(order, now: Date()))
            await #expect(throws: OrderError(.cancelWindowClosed, currentStatus: .pending)) {
                try await shop.orders.cancel(order.id, reason: nil, by: customer, logger: shop.logger)
            }
            let vendor = try await shop.actor(.vendor)
            #expect(OrderPolicy(vendor).mayCancel(order, now: Date()))
            #expect(try await shop.orders.cancel(order.id, reason: "out of stock", by: vendor, logger: shop.logger).status == .cancelled)
        }
    }

    @Test func whoMayEditFollowsThePolicyAtEveryStatus() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let vendor = try await shop.actor(.vendor)
            var order = try await shop.place(try await shop.product(), by: customer)
            let change = OrderDetails(customerPhone: .some(nil), shippingAddress: "2 Other Street")
            for next in [OrderStatus.processing, .shipped, .delivered] {
                for actor in [customer, vendor] {
                    let allowed = OrderPolicy(actor).mayEdit(order)
                    do {
                        let edited = try await shop.orders.updateDetails(of: order.id, change, by: actor, logger: shop.logger)
                        #expect(allowed, "\(actor.role) edited a \(order.status) order the policy forbids")
                        #expect(edited.customerPhone == nil && edited.shippingAddress == "2 Other Street")
                    } catch let error as OrderError {
                        #expect(!allowed && error == OrderError(.illegalTransition, currentStatus: order.status))
                    }
                }
                order = try await shop.orders.changeStatus(
                    of: order.id, to: next, notes: nil, trackingNumber: next == .shipped ? "TRACK-1" : nil, by: vendor,
                    logger: shop.logger)
            }
            #expect(!OrderPolicy(vendor).mayEdit(order) && !OrderPolicy(customer).mayEdit(order))
            await #expect(throws: OrderError(.illegalTransition, currentStatus: .delivered)) {
                try await shop.orders.updateDetails(of: order.id, change, by: vendor, logger: shop.logger)
            }
        }
    }

    @Test func onlyStaffMoveOrdersOneStepAtATimeAndShippingNeedsATrackingNumber() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let vendor = try await shop.actor(.vendor)
            let order = try await shop.place(try await shop.product(), by: customer)
            #expect(OrderPolicy(customer).forwardMoves(from: .pending).isEmpty)
            #expect(OrderPolicy(vendor).forwardMoves(from: .pending) == [.processing])
            await #expect(throws: Forbidden.self) {
                try await shop.orders.changeStatus(
                    of: order.id, to: .processing, notes: nil, trackingNumber: nil, by: customer, logger: shop.logger)
            }
            await #expect(throws: OrderError(.illegalTransition, currentStatus: .pending)) {
                try await shop.orders.changeStatus(
                    of: order.id, to: .delivered, notes: nil, trackingNumber: nil, by: vendor, logger: shop.logger)
            }
            _ = try await shop.orders.changeStatus(
                of: order.id, to: .processing, notes: nil, trackingNumber: nil, by: vendor, logger: shop.logger)
            await #expect(throws: InvalidInput(field: "tracking_number", message: "is required to ship an order")) {
                try await shop.orders.changeStatus(
                    of: order.id, to: .shipped, notes: nil, trackingNumber: nil, by: vendor, logger: shop.logger)
            }
            let shipped = try await shop.orders.changeStatus(
                of: order.id, to: .shipped, notes: "on its way", trackingNumber: "TRACK-2", by: vendor, logger: shop.logger)
            #expect(shipped.status == .shipped && shipped.trackingNumber == "TRACK-2")
            let events = try await shop.orders.events(of: order.id, visibleTo: customer, logger: shop.logger)
            #expect(events.map(\.toStatus) == [.pending, .processing, .shipped])
        }
    }
}
