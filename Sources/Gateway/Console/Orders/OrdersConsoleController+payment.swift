import Crypto
import Foundation
import Hummingbird
import Logging
import OrderPayments
import Store

extension OrdersConsoleController {
    // MARK: Payment

    /// An order's payment as its page shows it.
    struct PaymentView: Sendable {
        var status: String
        var statusLabel: String
        var amount: String
        var captured: String
        var refunded: String
        /// The provider's last refusal, in the customer's words.
        var lastError: String?
        /// The owner may pay now with a test method (the order waits for it; test mode only).
        var canPay: Bool
        /// The owner's 3-D Secure step, stood in for on a local test provider.
        var canAuthenticate: Bool
        /// The provider's test payment methods by name (test keys only: no card number is asked).
        var methods: [ConsoleOption]
        /// Its refunds, oldest first (staff and its owner).
        var refunds: [RefundView]
        var hasRefunds: Bool
        /// Staff may refund: something captured remains.
        var canRefund: Bool
        var refundable: String
        /// The refund form's idempotency key: the same form sent twice is one refund.
        var refundKey: String
    }

    struct RefundView: Sendable {
        var amount: String
        var status: String
        var reason: String?
        var at: String
    }

    /// The test payment methods the payment form offers (Stripe's and localstripe's ids).
    static let testMethods: [(id: String, label: String)] = [
        ("pm_card_visa", "Visa ending 4242 (succeeds)"),
        ("pm_card_threeDSecure2Required", "Card that asks for 3-D Secure (then the authentication step)"),
        ("pm_card_chargeCustomerFail", "Card that is declined"),
    ]

    func paymentView(_ order: Order, viewer: ConsoleUser, logger: Logger) async throws -> PaymentView? {
        guard let payment = order.payment else { return nil }
        // Nothing captured, nothing refunded: no round trip for the refunds of an unpaid order.
        let refunds =
            payment.capturedAmount > 0 ? try await payments?.refunds(of: order.id, by: viewer.actor, logger: logger) ?? [] : []
        let refundable = payment.capturedAmount - payment.refundedAmount - payment.refundingAmount
        let labels: [PaymentStatus: String] = [
            .unpaid: "Awaiting payment", .requiresAction: "Needs authentication", .authorized: "Authorised", .paid: "Paid",
            .partiallyRefunded: "Partly refunded", .refunded: "Refunded", .voided: "Voided", .failed: "Failed",
        ]
        let payer = payments != nil && viewer.id == order.userID && order.status == .pending
        let canPay = payer && payment.status == .unpaid && payments?.offersTestMethods == true
        let canAuthenticate = payer && payment.status == .requiresAction && payments?.authenticatesForTesting == true
        return PaymentView(
            status: payment.status.rawValue, statusLabel: labels[payment.status] ?? payment.status.rawValue,
            amount: format.money(payment.amount), captured: format.money(payment.capturedAmount),
            refunded: format.money(payment.refundedAmount), lastError: payment.lastError, canPay: canPay, canAuthenticate: canAuthenticate,
            methods: canPay ? Self.testMethods.map { ConsoleOption(value: $0.id, label: $0.label, selected: false) } : [],
            refunds: refunds.map {
                RefundView(amount: format.money($0.amount), status: $0.status.rawValue, reason: $0.reason, at: format.time($0.createdAt))
            },
            hasRefunds: !refunds.isEmpty, canRefund: payments != nil && viewer.isStaff && refundable > 0,
            refundable: format.money(refundable),
            refundKey: UUID.random().lowercasedString)
    }

    /// The owner pays with one of the test methods: back to the order with a notice, or the page
    /// again with the provider's refusal (a decline leaves the order payable).
    @Sendable func payOrder(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try Self.orderID(context)
        guard let payments else { throw OrderError(.notFound) }
        let form = try await ConsoleForm.decode(PaymentForm.self, request, context: context)
        let error: String
        do {
            let payment = try await payments.confirm(
                order: id, paymentMethod: form.paymentMethod, by: user.actor, logger: context.logger)
            return pages.redirect(
                "/orders/" + id.lowercasedString, notice: payment.status == .requiresAction ? "authenticate" : "paid")
        } catch let refusal as PaymentError where refusal.code != .notFound {
            error = pages.problems.answer(to: refusal).detail ?? "The payment could not be made."
        } catch let refusal as InvalidInput {
            error = refusal.fields.first.map { "Payment method \($0.message)." } ?? "Please choose a payment method."
        }
        return try await showOrder(id, user: user, error: error, status: .conflict, request: request, context: context)
    }

    /// The owner completes or fails the 3-D Secure step on a local test provider (`success` is
    /// `true` or `false`), back to the order with the outcome.
    @Sendable func authenticatePayment(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try Self.orderID(context)
        guard let payments else { throw OrderError(.notFound) }
        let form = try await ConsoleForm.decode(AuthenticationForm.self, request, context: context)
        let error: String
        do {
            _ = try await payments.authenticateForTesting(
                order: id, success: form.success == "true", by: user.actor, logger: context.logger)
            return pages.redirect("/orders/" + id.lowercasedString, notice: "paid")
        } catch let refusal as PaymentError where refusal.code != .notFound {
            error = pages.problems.answer(to: refusal).detail ?? "The authentication did not succeed."
        }
        return try await showOrder(id, user: user, error: error, status: .conflict, request: request, context: context)
    }

    /// The authentication step's one field.
    struct AuthenticationForm: Decodable {
        var success: String
    }

    /// Staff refund part or all of what was captured; the form's key makes a second send the
    /// same refund.
    @Sendable func refundOrder(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let id = try Self.orderID(context)
        guard let payments else { throw OrderError(.notFound) }
        let form = try await ConsoleForm.decode(RefundForm.self, request, context: context)
        let amountText = form.amount?.trimmingCharacters(in: .whitespaces) ?? ""
        var error: String
        var problems: [String: String] = [:]
        if !amountText.isEmpty, MoneyInput.parse(amountText) == nil {
            (error, problems) = ("Please correct the amount.", ["amount": "must be an amount such as 12.50"])
        } else {
            let amount = amountText.isEmpty ? nil : MoneyInput.parse(amountText)
            let reason = ConsoleForm.optional(form.reason)
            let canonical = "\(amount?.moneyString ?? "rest")\u{0}\(reason ?? "")"
            do {
                _ = try await payments.refund(
                    order: id, amount: amount, reason: reason, idempotencyKey: form.key,
                    requestHash: form.key.map { _ in Array(SHA256.hash(data: Array(canonical.utf8))) }, by: user.actor,
                    logger: context.logger)
                return pages.redirect("/orders/" + id.lowercasedString, notice: "refunded")
            } catch let refusal as PaymentError where refusal.code != .notFound {
                error = pages.problems.answer(to: refusal).detail ?? "The refund could not be made."
            } catch let refusal as InvalidInput {
                (error, problems) = ("Please correct the fields below.", ConsoleForm.problems(refusal))
            }
        }
        return try await showOrder(
            id, user: user, error: error, problems: problems, status: problems.isEmpty ? .conflict : .unprocessableContent,
            request: request, context: context)
    }

    /// The refund form's fields (`amount` empty: all that remains).
    struct RefundForm: Decodable {
        var amount: String?
        var reason: String?
        var key: String?
    }

    /// The payment form's one field.
    struct PaymentForm: Decodable {
        var paymentMethod: String

        enum CodingKeys: String, CodingKey {
            case paymentMethod = "payment_method"
        }
    }
}
