import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// The payments ledger against the real Postgres: a payment's states move only forward from
/// the states each step names, each change is an `order.payment_updated` event, and refunds
/// never exceed what was captured, however many race.
@Suite("Payment ledger")
struct PaymentLedgerTests {
    /// A placed order of `quantity` × 12.50 with its payment opened.
    func paidFor(_ shop: TestShop, quantity: Int = 2) async throws -> (Order, PaymentLedger) {
        let ledger = PaymentLedger(database: shop.database)
        let order = try await shop.place(try await shop.product(), quantity: quantity, by: try await shop.actor(.customer))
        let payment = try await ledger.open(order: order.id, provider: "stripe", logger: shop.logger)
        #expect(payment.status == .unpaid && payment.amount == order.totalAmount && payment.currency == "EUR")
        #expect(try await ledger.open(order: order.id, provider: "stripe", logger: shop.logger) == payment, "opening twice is once")
        return (order, ledger)
    }

    /// The order's `order.payment_updated` events' reasons (the payment status each moved to).
    func paymentEvents(_ shop: TestShop, _ order: Order) async throws -> [String] {
        try await shop.database.query(
            "SELECT reason FROM order_events WHERE order_id = \(order.id) AND kind = 'payment' ORDER BY seq", logger: shop.logger
        ).map { try $0.decode(String.self) }
    }

    // MARK: States

    @Test func aPaymentMovesForwardOnlyFromTheStatesEachStepNames() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)
            // Provider ids are unique across the shared test database: each run makes its own.
            let (pi1, pi2) = ("pi_" + UUID().uuidString.prefix(8), "pi_" + UUID().uuidString.prefix(8))
            let (first, recorded) = try await ledger.recordIntent(
                pi1, clientSecret: pi1 + "_secret_x", of: order.id, logger: shop.logger)
            #expect(recorded && first.intentID == pi1 && first.clientSecret == pi1 + "_secret_x")
            let (second, again) = try await ledger.recordIntent(pi2, clientSecret: nil, of: order.id, logger: shop.logger)
            #expect(!again && second.intentID == pi1, "the first intent recorded stays the order's")

            let action = #"{"type":"use_stripe_sdk"}"#
            let waiting = try await ledger.apply(
                .init(status: .requiresAction, nextAction: action), to: order.id, from: [.unpaid], logger: shop.logger)
            #expect(waiting?.status == .requiresAction && waiting?.nextAction?.contains("use_stripe_sdk") == true)
            #expect(waiting?.clientSecret != nil, "kept while the payer must act")
            let authorised = try await ledger.apply(
                .init(status: .authorized), to: order.id, from: [.unpaid, .requiresAction], logger: shop.logger)
            #expect(authorised?.status == .authorized && authorised?.clientSecret == nil && authorised?.nextAction == nil)
            // A late answer naming an earlier state changes nothing.
            #expect(try await ledger.apply(.init(status: .requiresAction), to: order.id, from: [.unpaid], logger: shop.logger) == nil)
            let paid = try await ledger.apply(
                .init(status: .paid, capturedAmount: order.totalAmount), to: order.id, from: [.authorized], logger: shop.logger)
            #expect(paid?.status == .paid && paid?.capturedAmount == order.totalAmount && paid?.refundable == order.totalAmount)
            // The same status again is no new event.
            _ = try await ledger.apply(
                .init(status: .paid, capturedAmount: order.totalAmount), to: order.id, from: [.paid], logger: shop.logger)
            #expect(try await paymentEvents(shop, order) == ["requires_action", "authorized", "paid"])
            #expect(try await ledger.apply(.init(status: .paid), to: UUID(), from: [.authorized], logger: shop.logger) == nil)
        }
    }

    @Test func aCaptureBeyondTheAmountIsRefusedByTheDatabase() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)
            await #expect(throws: (any Error).self) {
                try await ledger.apply(
                    .init(status: .paid, capturedAmount: order.totalAmount + 1), to: order.id, from: [.unpaid], logger: shop.logger)
            }
            #expect(try await ledger.payment(of: order.id, logger: shop.logger)?.status == .unpaid)
        }
    }

    // MARK: Refunds

    /// Captures the order's whole payment.
    func capture(_ shop: TestShop, _ order: Order, _ ledger: PaymentLedger) async throws {
        _ = try await ledger.apply(
            .init(status: .paid, capturedAmount: order.totalAmount), to: order.id, from: [.unpaid], logger: shop.logger)
    }

    func request(_ order: Order, _ amount: String?, key: String? = nil, hash: [UInt8]? = nil) -> PaymentLedger.RefundRequest {
        .init(
            order: order.id, amount: amount.flatMap { Decimal(string: $0) }, reason: "damaged", idempotencyKey: key, requestHash: hash,
            requestedBy: nil)
    }

    @Test func refundsHoldTheirAmountUntilSettledAndNeverExceedTheCapture() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)  // 25.00
            let re = { (n: Int) in "re_\(n)_" + UUID().uuidString.prefix(8) }
            let unpaid = await #expect(throws: PaymentError.self) {
                try await ledger.requestRefund(request(order, "1.00"), logger: shop.logger)
            }
            #expect(unpaid?.code == .conflict)
            try await capture(shop, order, ledger)
            let (first, created) = try await ledger.requestRefund(request(order, "10.00"), logger: shop.logger)
            #expect(created && first.status == .pending && first.amount == 10)
            #expect(try await ledger.payment(of: order.id, logger: shop.logger)?.refundable == 15)
            let beyond = await #expect(throws: PaymentError.self) {
                try await ledger.requestRefund(request(order, "15.01"), logger: shop.logger)
            }
            #expect(beyond?.code == .exceedsRefundable)
            // A failed refund gives its amount back; a settled one is not settled twice.
            _ = try await ledger.settleRefund(first.id, succeeded: false, providerRefundID: nil, error: "declined", logger: shop.logger)
            #expect(
                try await ledger.settleRefund(first.id, succeeded: true, providerRefundID: re(1), error: nil, logger: shop.logger) == nil)
            #expect(try await ledger.payment(of: order.id, logger: shop.logger)?.refundable == 25)
            let (part, _) = try await ledger.requestRefund(request(order, "5.00"), logger: shop.logger)
            let settled = try await ledger.settleRefund(part.id, succeeded: true, providerRefundID: re(2), error: nil, logger: shop.logger)
            #expect(settled?.status == .succeeded && settled?.providerRefundID?.hasPrefix("re_2_") == true)
            var payment = try #require(try await ledger.payment(of: order.id, logger: shop.logger))
            #expect(payment.status == .partiallyRefunded && payment.refundedAmount == 5 && payment.refundingAmount == 0)
            // No amount: all that remains.
            let (rest, _) = try await ledger.requestRefund(request(order, nil), logger: shop.logger)
            #expect(rest.amount == 20)
            _ = try await ledger.settleRefund(rest.id, succeeded: true, providerRefundID: re(3), error: nil, logger: shop.logger)
            payment = try #require(try await ledger.payment(of: order.id, logger: shop.logger))
            #expect(payment.status == .refunded && payment.refundedAmount == 25 && payment.refundable == 0)
            let none = await #expect(throws: PaymentError.self) { try await ledger.requestRefund(request(order, nil), logger: shop.logger) }
            #expect(none?.code == .conflict || none?.code == .exceedsRefundable)
            #expect(try await ledger.refunds(of: order.id, logger: shop.logger).map(\.status) == [.failed, .succeeded, .succeeded])
            #expect(try await paymentEvents(shop, order) == ["paid", "partially_refunded", "refunded"])
        }
    }

    @Test func aRepeatedKeyIsTheSameRefundAndAnotherBodyIsRefused() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)
            try await capture(shop, order, ledger)
            let (first, created) = try await ledger.requestRefund(request(order, "3.00", key: "k1", hash: [1, 2]), logger: shop.logger)
            let (again, createdAgain) = try await ledger.requestRefund(
                request(order, "3.00", key: "k1", hash: [1, 2]), logger: shop.logger)
            #expect(created && !createdAgain && again == first)
            let other = await #expect(throws: PaymentError.self) {
                try await ledger.requestRefund(request(order, "4.00", key: "k1", hash: [9]), logger: shop.logger)
            }
            #expect(other?.code == .idempotencyMismatch)
            #expect(try await ledger.payment(of: order.id, logger: shop.logger)?.refundingAmount == 3)
        }
    }

    /// Twenty refunds of 5.00 race for a 25.00 capture: exactly five pass.
    @Test func racingRefundsNeverOverRefund() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)
            try await capture(shop, order, ledger)
            let passed = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask { (try? await ledger.requestRefund(self.request(order, "5.00"), logger: shop.logger)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(passed == 5)
            let payment = try #require(try await ledger.payment(of: order.id, logger: shop.logger))
            #expect(payment.refundingAmount == 25 && payment.refundable == 0)
        }
    }

    // MARK: Orders

    /// An order with a payment ships only once it is captured; one placed with payments off
    /// (no payment) ships as before.
    @Test func anOrderShipsOnlyPaid() async throws {
        try await TestShop.with { shop in
            let (order, ledger) = try await paidFor(shop)
            let vendor = try await shop.actor(.vendor)
            _ = try await shop.orders.changeStatus(
                of: order.id, to: .processing, notes: nil, trackingNumber: nil, by: vendor, logger: shop.logger)
            let unpaid = await #expect(throws: OrderError.self) {
                try await shop.orders.changeStatus(
                    of: order.id, to: .shipped, notes: nil, trackingNumber: "T1", by: vendor, logger: shop.logger)
            }
            #expect(unpaid?.code == .unpaid)
            try await capture(shop, order, ledger)
            let shipped = try await shop.orders.changeStatus(
                of: order.id, to: .shipped, notes: nil, trackingNumber: "T1", by: vendor, logger: shop.logger)
            #expect(shipped.status == .shipped)
            let unpaidOff = try await shop.place(try await shop.product(), by: try await shop.actor(.customer))
            _ = try await shop.orders.changeStatus(
                of: unpaidOff.id, to: .processing, notes: nil, trackingNumber: nil, by: vendor, logger: shop.logger)
            #expect(
                try await shop.orders.changeStatus(
                    of: unpaidOff.id, to: .shipped, notes: nil, trackingNumber: "T2", by: vendor, logger: shop.logger
                ).status == .shipped)
        }
    }
}
