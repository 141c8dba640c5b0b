import Foundation
import Logging
import Payments
import Store

/// What customers and staff do with an order's payment, below HTTP: the owner confirms it with
/// a payment method (authorised, or told to authenticate, or declined and still payable); staff
/// refund part or all of what was captured. Every provider call carries an idempotency key; a
/// refund is recorded (its amount held) before its job asks the provider.
public struct PaymentOperations: Sendable {
    let ledger: PaymentLedger
    let stripe: StripeClient
    /// The `payment_refund` queue: a refund is made by its job, retried until the provider answers.
    let refundJobs: JobQueue
    /// The orders' automatic moves: an order held for its payment is scheduled again once the
    /// payment is authorised.
    let moves: TransitionSchedule?

    public init(ledger: PaymentLedger, stripe: StripeClient, refundJobs: JobQueue, moves: TransitionSchedule? = nil) {
        self.ledger = ledger
        self.stripe = stripe
        self.refundJobs = refundJobs
        self.moves = moves
    }

    // MARK: Paying

    /// The owner pays `order` with `paymentMethod` (a provider payment method id, `pm_…`).
    /// Returns the payment as it now stands: `authorized`, or `requires_action` with its next
    /// action. A decline throws ``PaymentError/Code-swift.struct/declined`` with the provider's
    /// message and leaves the order payable.
    public func confirm(order: UUID, paymentMethod: String, by actor: Actor, logger: Logger) async throws -> Payment {
        guard Self.isPaymentMethodID(paymentMethod) else {
            throw InvalidInput([.init(field: "payment_method", message: "must be a payment method id such as pm_card_visa")])
        }
        guard let (payment, owner) = try await ledger.paymentAndOwner(of: order, logger: logger), owner == actor.id else {
            throw PaymentError(.notFound)
        }
        guard payment.status == .unpaid || payment.status == .requiresAction else {
            throw PaymentError(.conflict, detail: "the payment is \(payment.status.rawValue)")
        }
        var intentID = try await intent(of: payment, logger: logger)
        // Each confirmation is a request of its own (a new method after a decline): a fresh key.
        // Confirming an authorised intent again is refused by the provider, so no key reuse is
        // needed to keep one payment from being authorised twice.
        let attempt = UUID.random().lowercasedString
        let answer: PaymentIntent
        do {
            answer = try await confirm(intentID, method: paymentMethod, attempt: attempt, logger: logger)
        } catch  where error.code == .invalidRequest {
            // localstripe will not confirm an intent again after a decline (Stripe will): a fresh
            // intent takes its place while the payment is unpaid, and the old one is cancelled.
            let fresh = try await provider {
                try await stripe.createIntent(
                    amount: try Self.minorUnits(payment), currency: payment.currency, orderID: order.lowercasedString,
                    idempotencyKey: "order-\(order.lowercasedString)-intent-after-\(intentID)", logger: logger)
            }
            guard try await ledger.replaceIntent(intentID, with: fresh.id, clientSecret: fresh.clientSecret, of: order, logger: logger)
            else {
                _ = try? await stripe.cancel(fresh.id, idempotencyKey: "orphan-\(fresh.id)-cancel", logger: logger)
                throw PaymentError(.conflict, detail: "the payment changed meanwhile")
            }
            _ = try? await stripe.cancel(intentID, idempotencyKey: "replaced-\(intentID)-cancel", logger: logger)
            intentID = fresh.id
            answer = try await provider { try await confirm(intentID, method: paymentMethod, attempt: attempt, logger: logger) }
        } catch  where error.code == .declined {
            let message = error.message ?? "The payment method was declined."
            _ = try await ledger.apply(
                .init(status: .unpaid, lastError: message), to: order, from: [.unpaid, .requiresAction], logger: logger)
            throw PaymentError(.declined, detail: message)
        } catch {
            throw Self.unavailable(error)
        }
        return try await record(answer, of: payment, logger: logger)
    }

    /// Sets the method on the intent, then confirms it (localstripe refuses a method given to
    /// `/confirm` itself).
    func confirm(_ intent: String, method: String, attempt: String, logger: Logger) async throws(PaymentProviderError) -> PaymentIntent {
        _ = try await stripe.setPaymentMethod(method, on: intent, idempotencyKey: "pm-\(attempt)", logger: logger)
        return try await stripe.confirm(intent, idempotencyKey: "confirm-\(attempt)", logger: logger)
    }

    /// The provider's answer about an intent (a confirmation's, or a later look at it),
    /// recorded: an authorisation schedules the order's move. A decline throws
    /// ``PaymentError/Code-swift.struct/declined`` with the payment left payable.
    public func record(_ answer: PaymentIntent, of payment: Payment, logger: Logger) async throws -> Payment {
        let change: PaymentLedger.Change
        switch answer.status {
        case .requiresCapture:
            change = .init(status: .authorized)
        case .requiresAction:
            change = .init(status: .requiresAction, nextAction: answer.nextAction?.json)
        case .succeeded:
            let captured = answer.amountReceived.map { MinorUnits.decimal($0, currency: payment.currency) } ?? payment.amount
            change = .init(status: .paid, capturedAmount: captured)
        case .requiresPaymentMethod:
            let message = answer.lastPaymentError?.message ?? "The payment method was declined."
            _ = try await ledger.apply(
                .init(status: .unpaid, lastError: message), to: payment.orderID, from: [.unpaid, .requiresAction], logger: logger)
            throw PaymentError(.declined, detail: message)
        default:
            // Processing, or cancelled meanwhile: the provider's webhook or the reconciler says the rest.
            return try await ledger.payment(of: payment.orderID, logger: logger) ?? payment
        }
        if let changed = try await ledger.apply(change, to: payment.orderID, from: [.unpaid, .requiresAction], logger: logger) {
            if changed.status == .authorized { await moves?.resume(orderID: payment.orderID, logger: logger) }
            return changed
        }
        return try await ledger.payment(of: payment.orderID, logger: logger) ?? payment
    }

    /// The payment's intent, created now when its job has not made it yet.
    func intent(of payment: Payment, logger: Logger) async throws -> String {
        if let id = payment.intentID { return id }
        let (recorded, _) = try await provider {
            try await PaymentIntentCreator(ledger: ledger, stripe: stripe).create(for: payment, logger: logger)
        }
        guard let id = recorded.intentID else { throw PaymentError(.conflict, detail: "the payment is \(recorded.status.rawValue)") }
        return id
    }

    // MARK: Refunds

    /// Staff refund `amount` (nil: all that remains) of `order`'s capture. Recorded at once with
    /// its amount held (never more than remains, however many race), then made by its job.
    /// A repeat of the same `Idempotency-Key` and body answers the same refund (`created` false).
    public func refund(
        order: UUID, amount: Decimal?, reason: String?, idempotencyKey: String?, requestHash: [UInt8]?, by actor: Actor, logger: Logger
    ) async throws -> (refund: Refund, created: Bool) {
        try Forbidden.unless(actor, is: .vendor, .admin)
        if let reason, reason.count > 500 {
            throw InvalidInput([.init(field: "reason", message: "must be at most 500 characters")])
        }
        if let amount {
            guard let payment = try await ledger.payment(of: order, logger: logger) else { throw PaymentError(.notFound) }
            guard amount > 0, MinorUnits.amount(amount, currency: payment.currency) != nil else {
                throw InvalidInput([.init(field: "amount", message: "must be a positive amount in the order's currency")])
            }
        }
        let (refund, created) = try await ledger.requestRefund(
            .init(
                order: order, amount: amount, reason: reason, idempotencyKey: idempotencyKey, requestHash: requestHash,
                requestedBy: actor.id), logger: logger)
        if created || refund.status == .pending {
            // The reconciler enqueues it too if this is lost; a second enqueue is a no-op.
            _ = try? await refundJobs.enqueue(refund.id.lowercasedString, dueAt: Date(), logger: logger)
        }
        return (refund, created)
    }

    /// The refunds of `order`, for its owner and staff.
    public func refunds(of order: UUID, by actor: Actor, logger: Logger) async throws -> [Refund] {
        guard let (_, owner) = try await ledger.paymentAndOwner(of: order, logger: logger), actor.isStaff || owner == actor.id else {
            throw PaymentError(.notFound)
        }
        return try await ledger.refunds(of: order, logger: logger)
    }

    // MARK: Helpers

    /// `pm_` and letters, digits and `_`: every id Stripe gives a payment method.
    static func isPaymentMethodID(_ text: String) -> Bool {
        text.hasPrefix("pm_") && text.utf8.count > 3 && StripeClient.isID(text)
    }

    static func minorUnits(_ payment: Payment) throws -> Int64 {
        guard let amount = MinorUnits.amount(payment.amount, currency: payment.currency), amount > 0 else {
            throw PaymentError(.invalidAmount, detail: "the order's total cannot be charged in \(payment.currency)")
        }
        return amount
    }

    /// A provider call whose outage is the caller's 503 and whose other refusals are conflicts.
    func provider<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch {
            throw Self.unavailable(error)
        }
    }

    static func unavailable(_ error: any Error) -> any Error {
        guard let error = error as? PaymentProviderError else { return error }
        if error.isTransient { return PaymentError(.providerUnavailable) }
        if error.code == .declined { return PaymentError(.declined, detail: error.message) }
        return PaymentError(.conflict, detail: "the provider refused (\(error.code))")
    }
}
