import Hummingbird
import OrderPayments
import ServiceHTTP
import Store

/// The one mapping from the domain's refusals to the API's answers (the problem middleware asks
/// it about every error a handler throws); the web console shows the same refusals its own way.
struct DomainProblems: Sendable {
    let rules: OrderRules

    func apiError(for error: any Error) -> APIError? {
        switch error {
        case let error as InvalidInput:
            APIError(
                .unprocessableContent, "The request has invalid fields.",
                errors: error.fields.map { .init(field: $0.field, message: $0.message) }
            )
        case let error as Forbidden:
            APIError(.forbidden, error.reason)
        case let error as AccountError:
            switch error.code {
            case .notFound: APIError(.notFound, "No such user.")
            case .wrongPassword:
                APIError(
                    .unprocessableContent, "The current password is incorrect.",
                    errors: [.init(field: "current_password", message: "is incorrect")]
                )
            case .selfDemotion: APIError(.conflict, "Admins cannot demote or deactivate themselves; ask another admin.")
            }
        case let error as RateLimited:
            RateLimitHeaders.tooManyRequests(policy: error.policy, decision: error.decision)
        case is SignInRefused:
            APIError(.unauthorized, "Incorrect username or password.", headers: [.wwwAuthenticate: "Bearer"])
        case let error as CartError:
            APIError(
                .unprocessableContent,
                error.code == .full ? "The cart holds 100 products, the most an order may." : "Quantities are 1 to 1000.",
                errors: [.init(field: "quantity", message: error.code == .full ? "the cart is full" : "must be between 1 and 1000")]
            )
        case let error as OrderError:
            answer(to: error)
        case let error as StoreError:
            answer(to: error)
        case let error as PaymentError:
            answer(to: error)
        case let error as PaymentWebhookRefused:
            switch error.reason {
            case .badSignature: APIError(.badRequest, "The Stripe-Signature header does not sign this body with the webhook's secret.")
            case .stale: APIError(.badRequest, "The Stripe-Signature header was made too long ago (more than 300 seconds).")
            case .malformed: APIError(.badRequest, "The body is not a provider event.")
            }
        default:
            nil
        }
    }

    func answer(to error: PaymentError) -> APIError {
        switch error.code {
        case .notFound: APIError(.notFound, "This order has no payment.")
        case .declined:
            APIError(
                .init(code: 402, reasonPhrase: "Payment Required"), error.detail ?? "The payment method was declined.",
                type: "/problems/payment-declined",
                errors: [.init(field: "payment_method", message: "was declined; the order can be paid with another")])
        case .providerUnavailable:
            APIError(.serviceUnavailable, "The payment provider is unavailable; try again shortly.", headers: [.retryAfter: "5"])
        case .exceedsRefundable: APIError(.conflict, "More than remains refundable: \(error.detail ?? "nothing remains").")
        case .idempotencyMismatch: APIError(.unprocessableContent, "This Idempotency-Key was already used with a different request body.")
        case .invalidAmount:
            APIError(
                .unprocessableContent, "The amount is not one the order's currency can express.",
                errors: [.init(field: "amount", message: "must be above zero, in the order's currency")])
        default: APIError(.conflict, "The order's payment does not allow this now.")
        }
    }

    func answer(to error: OrderError) -> APIError {
        switch error.code {
        case .outOfStock:
            APIError(
                .conflict, "Not enough stock for " + error.shortages.map(\.sku).joined(separator: ", ") + ".",
                type: "/problems/out-of-stock",
                errors: error.shortages.map { .init(field: $0.sku, message: "requested \($0.requested), available \($0.available)") }
            )
        case .unknownProducts:
            APIError(
                .unprocessableContent, "Unknown or unavailable products: " + error.unknownSKUs.joined(separator: ", ") + ".",
                errors: error.unknownSKUs.map { .init(field: "items", message: "\($0) is not in the catalog") }
            )
        case .totalTooLarge:
            APIError(
                .unprocessableContent, "The order's total would exceed \(Money.maximum.moneyString), the most an order may cost.",
                errors: [.init(field: "items", message: "the total would exceed \(Money.maximum.moneyString)")]
            )
        case .tooManyPending:
            APIError(.conflict, "You already have \(rules.maxPendingOrders) pending orders; wait for them to be processed or cancel one.")
        case .idempotencyInProgress:
            APIError(.conflict, "A request with this Idempotency-Key is still being processed; retry shortly.")
        case .idempotencyMismatch:
            APIError(.unprocessableContent, "This Idempotency-Key was already used with a different request body.")
        case .cancelWindowClosed:
            APIError(.conflict, "The cancel window of this order has closed; contact the shop.")
        case .unpaid:
            APIError(.conflict, "The order is not paid: it ships once its payment is captured.", type: "/problems/order-unpaid")
        case .illegalTransition:
            APIError(.conflict, "The order is \(error.currentStatus?.rawValue ?? "in another state"); that change is not allowed now.")
        default:
            APIError(.notFound, "No such order.")
        }
    }

    func answer(to error: StoreError) -> APIError {
        switch error.code {
        case .duplicate:
            let field = error.field ?? "username"
            return APIError(.conflict, "That \(field) is already taken.", errors: [.init(field: field, message: "is already taken")])
        case .lastAdmin:
            return APIError(.conflict, "That would leave the shop without an active admin; make another admin first.")
        case .conflict:
            return APIError(.conflict, error.detail ?? "That cannot be done in its present state.")
        default:
            return APIError(.notFound, "No such \(error.field ?? "resource").")
        }
    }
}
