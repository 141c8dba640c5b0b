import Foundation
import Logging
import Payments
import Store

/// The payment provider's webhook events, received: each verified against the webhook secrets,
/// applied to the order's payment at most once (by its id), never moving a payment back (each
/// type names the states it may follow, so events arriving out of order or late change
/// nothing), and only for the intent the order's payment is (an orphan intent's event is
/// acknowledged and ignored). Unknown types are acknowledged.
public struct PaymentProviderEvents: Sendable {
    let ledger: PaymentLedger
    /// `STRIPE_WEBHOOK_SECRET`: the current secret and, while it rolls over, the previous.
    let secrets: [String]
    /// How far a signature's time may be from now.
    let tolerance: TimeInterval
    /// The orders' automatic moves: an authorisation schedules its order's move again.
    let moves: TransitionSchedule?

    public init(ledger: PaymentLedger, secrets: [String], tolerance: TimeInterval = 300, moves: TransitionSchedule? = nil) {
        self.ledger = ledger
        self.secrets = secrets
        self.tolerance = tolerance
        self.moves = moves
    }

    /// What a received event did.
    public enum Receipt: String, Sendable {
        /// It changed the order's payment.
        case applied
        /// Its payment was past the state it would move it from.
        case unchanged
        /// Its id was received before.
        case replayed
        /// A type the platform does not act on, or another intent's.
        case ignored
    }

    /// Verifies and applies one webhook request: its raw `body` and `Stripe-Signature` header.
    public func receive(body: [UInt8], signature: String?, now: Date = Date(), logger: Logger) async throws -> Receipt {
        do {
            try StripeSignature.verify(header: signature ?? "", body: body, secrets: secrets, tolerance: tolerance, now: now)
        } catch .stale {
            throw PaymentWebhookRefused(.stale)
        } catch {
            throw PaymentWebhookRefused(.badSignature)
        }
        guard let event = try? JSONDecoder().decode(StripeEvent.self, from: Data(body)) else {
            throw PaymentWebhookRefused(.malformed)
        }
        var logger = logger
        logger[metadataKey: "payment.event"] = "\(event.id)"
        logger[metadataKey: "payment.event_type"] = "\(event.type)"
        guard let intent = event.intent, let order = intent.metadata["order_id"].flatMap(UUID.init(uuidString:)),
            let payment = try await ledger.payment(of: order, logger: logger), payment.intentID == intent.id,
            let (change, from) = Self.change(for: event.type, intent: intent, payment: payment)
        else {
            return try await ledger.recordProviderEvent(id: event.id, type: event.type, logger: logger) ? .ignored : .replayed
        }
        let outcome = try await ledger.applyProviderEvent(
            id: event.id, type: event.type, change: change, to: order, intent: intent.id, from: from, logger: logger)
        switch outcome {
        case .applied(let payment):
            logger.info("payment updated by the provider", metadata: ["payment.status": "\(payment.status.rawValue)"])
            if payment.status == .authorized { await moves?.resume(orderID: order, logger: logger) }
            return .applied
        case .unchanged: return .unchanged
        case .replayed: return .replayed
        }
    }

    /// The change an event of `type` makes, and the states it may follow; nil for a type the
    /// platform does not act on.
    static func change(for type: String, intent: PaymentIntent, payment: Payment) -> (PaymentLedger.Change, Set<PaymentStatus>)? {
        switch type {
        case "payment_intent.amount_capturable_updated":
            (.init(status: .authorized), [.unpaid, .requiresAction])
        case "payment_intent.requires_action":
            (.init(status: .requiresAction, nextAction: intent.nextAction?.json), [.unpaid])
        case "payment_intent.payment_failed":
            (.init(status: .unpaid, lastError: intent.lastPaymentError?.message ?? "The payment failed."), [.unpaid, .requiresAction])
        case "payment_intent.succeeded":
            (
                .init(
                    status: .paid,
                    capturedAmount: intent.amountReceived.map { MinorUnits.decimal($0, currency: payment.currency) } ?? payment.amount),
                [.unpaid, .requiresAction, .authorized]
            )
        case "payment_intent.canceled":
            (.init(status: .voided), [.unpaid, .requiresAction, .authorized])
        default:
            nil
        }
    }
}
