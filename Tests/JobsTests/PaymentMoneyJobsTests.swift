import Foundation
import Logging
import Payments
import TestSupport
import Testing

@testable import Jobs
@testable import Store

/// The kinds that move money (capture, void, refund) against a real localstripe, Postgres and
/// Redis: each moves it once, however often its job runs and whether or not an earlier run's
/// answer was lost, and the provider's count agrees with the ledger.
@Suite("Payment captures, voids and refunds", .timeLimit(.minutes(3)), .serialized)
struct PaymentMoneyJobsTests {
    let logger = TestStores.logger

    func withRig(worker: Bool = false, _ body: (PaymentTestRig) async throws -> Void) async throws {
        try await PaymentTestRig.with(worker: worker, logger: logger, body)
    }

    // MARK: Capture

    @Test func anAuthorisationIsCapturedOnce() async throws {
        try await withRig { rig in
            let order = try await rig.authorisedOrder()
            #expect(await rig.captures.process([rig.job(order)], logger: logger) == [.applied])
            let paid = try #require(try await rig.payment(order))
            #expect(paid.status == .paid && paid.capturedAmount == Decimal(string: "12.50")!)
            #expect(try await rig.providerIntents(of: order).map(\.status) == ["succeeded"])
            #expect(await rig.captures.process([rig.job(order)], logger: logger) == [.noop])
        }
    }

    /// The first capture reached the provider and its answer was lost: the retry learns from
    /// the intent that it is captured (localstripe refuses a second capture).
    @Test func aCaptureWhoseAnswerWasLostIsRecordedFromTheIntent() async throws {
        try await withRig { rig in
            let order = try await rig.authorisedOrder()
            _ = try await rig.stripe.capture(
                try await rig.intentID(order), idempotencyKey: PaymentCaptureJobs.idempotencyKey(order: order), logger: logger)
            #expect(await rig.captures.process([rig.job(order)], logger: logger) == [.applied])
            #expect(try await rig.payment(order)?.status == .paid)
        }
    }

    @Test func anOutageIsRetriedWithNothingRecorded() async throws {
        try await withRig { rig in
            let order = try await rig.authorisedOrder()
            await rig.provider.kill()
            guard case .failed = await rig.captures.process([rig.job(order)], logger: logger).first else {
                Issue.record("an outage should be retried")
                return
            }
            #expect(try await rig.payment(order)?.status == .authorized)
            try await rig.provider.restart()
            #expect(await rig.captures.process([rig.job(order)], logger: logger) == [.applied])
        }
    }

    // MARK: Void

    @Test func aCancelledOrdersAuthorisationIsReleased() async throws {
        try await withRig { rig in
            let order = try await rig.authorisedOrder()
            #expect(await rig.voids.process([rig.job(order)], logger: logger) == [.applied])
            #expect(try await rig.payment(order)?.status == .voided)
            #expect(try await rig.providerIntents(of: order).map(\.status) == ["canceled"])
            #expect(await rig.voids.process([rig.job(order)], logger: logger) == [.noop])
            // A capture job arriving late captures nothing.
            #expect(await rig.captures.process([rig.job(order)], logger: logger) == [.noop])
        }
    }

    /// Cancelled before its intent existed: voided without a call, and an intent job that runs
    /// afterwards records nothing and leaves nothing payable.
    @Test func aPaymentVoidedBeforeItsIntentNeverGetsOne() async throws {
        try await withRig { rig in
            let order = try await rig.placeOrder()
            #expect(await rig.voids.process([rig.job(order)], logger: logger) == [.applied])
            #expect(await rig.intents.process([rig.job(order)], logger: logger) == [.noop])
            #expect(try await rig.payment(order)?.intentID == nil)
            #expect(try await rig.providerIntents(of: order).allSatisfy { $0.status == "canceled" })
        }
    }

    /// Captured before the cancel reached it: refunded in full instead, through a refund job.
    @Test func aCapturedPaymentOfACancelledOrderIsRefunded() async throws {
        try await withRig(worker: true) { rig in
            let order = try await rig.authorisedOrder()
            _ = try await rig.stripe.capture(try await rig.intentID(order), idempotencyKey: "elsewhere", logger: logger)
            #expect(await rig.voids.process([rig.job(order)], logger: logger) == [.applied])
            #expect(
                try await JobsTestSupport.eventually { try await rig.payment(order)?.status == .refunded })
            #expect(try await rig.providerRefunds(of: order) == [1250])
        }
    }

    /// A captured order cancelled by staff, or a void killed between recording the capture and
    /// asking for the refund: the void reconciler finds it, the capture is refunded in full
    /// once, and then nothing is owed.
    @Test func aCancelledOrdersCaptureIsRefundedOnceAfterACrash() async throws {
        try await withRig(worker: true) { rig in
            let order = try await rig.paidOrder()
            try await rig.database.query("UPDATE orders SET status = 'cancelled' WHERE id = \(order)", logger: logger)
            // A pass schedules it (its count is not asked: the rig's worker, starting, may have
            // scheduled it first); what is asked is this order's refund, once, and nothing owed.
            let reconciler = rig.voids.reconciler
            _ = try await reconciler.runOnce(logger: logger)
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order)?.status == .refunded })
            #expect(try await rig.providerRefunds(of: order) == [1250])
            #expect(await rig.voids.process([rig.job(order)], logger: logger) == [.noop])
            #expect(try await !reconciler.owed(reconciler.horizon, logger).contains(order))
        }
    }

    // MARK: Refunds

    @Test func aRefundIsMadeOnceAndSettled() async throws {
        try await withRig { rig in
            let order = try await rig.paidOrder()
            let (refund, _) = try await rig.ledger.requestRefund(
                .init(order: order, amount: 5, reason: "damaged", idempotencyKey: nil, requestHash: nil, requestedBy: nil),
                logger: logger)
            #expect(await rig.refunds.process([rig.job(refund.id)], logger: logger) == [.applied])
            #expect(await rig.refunds.process([rig.job(refund.id)], logger: logger) == [.noop])
            let payment = try #require(try await rig.payment(order))
            #expect(payment.status == .partiallyRefunded && payment.refundedAmount == 5 && payment.refundingAmount == 0)
            #expect(try await rig.providerRefunds(of: order) == [500])
        }
    }

    /// The provider made the refund and its answer was lost: the retry finds it by its id in
    /// the metadata and makes no second one.
    @Test func aRefundWhoseAnswerWasLostIsNotMadeTwice() async throws {
        try await withRig { rig in
            let order = try await rig.paidOrder()
            let (refund, _) = try await rig.ledger.requestRefund(
                .init(order: order, amount: nil, reason: nil, idempotencyKey: nil, requestHash: nil, requestedBy: nil), logger: logger)
            _ = try await rig.stripe.refund(
                intent: try await rig.intentID(order), amount: 1250, metadata: [("refund_id", refund.id.uuidString.lowercased())],
                idempotencyKey: PaymentRefundJobs.idempotencyKey(refund: refund.id), logger: logger)
            #expect(await rig.refunds.process([rig.job(refund.id)], logger: logger) == [.applied])
            #expect(try await rig.payment(order)?.status == .refunded)
            #expect(try await rig.providerRefunds(of: order) == [1250])
        }
    }

    /// Redis lost every job: the reconcilers find the capture, the void and the refund still
    /// owed, and the worker does each once.
    @Test func theReconcilersEnqueueWhatRedisLost() async throws {
        try await withRig(worker: true) { rig in
            let toCapture = try await rig.authorisedOrder()
            let toVoid = try await rig.authorisedOrder()
            let toRefund = try await rig.paidOrder()
            try await rig.database.query(
                "UPDATE orders SET status = 'processing' WHERE id = \(toCapture) OR id = \(toRefund)", logger: logger)
            try await rig.database.query("UPDATE orders SET status = 'cancelled' WHERE id = \(toVoid)", logger: logger)
            _ = try await rig.ledger.requestRefund(
                .init(order: toRefund, amount: 2, reason: nil, idempotencyKey: nil, requestHash: nil, requestedBy: nil), logger: logger)
            #expect(try await rig.captures.reconciler.runOnce(logger: logger) == 1)
            #expect(try await rig.voids.reconciler.runOnce(logger: logger) == 1)
            #expect(try await rig.refunds.reconciler.runOnce(logger: logger) == 1)
            #expect(
                try await JobsTestSupport.eventually {
                    let captured = try await rig.payment(toCapture)?.status == .paid
                    let voided = try await rig.payment(toVoid)?.status == .voided
                    let refunded = try await rig.payment(toRefund)?.status == .partiallyRefunded
                    return captured && voided && refunded
                })
            #expect(try await rig.providerRefunds(of: toRefund) == [200])
        }
    }
}
