import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OrderPayments

/// `POST /api/payments/stripe/webhook`: the payment provider's events. No session: the
/// signature over the raw body is the authentication (`PaymentProviderEvents` checks it); a
/// body over 256 KiB is refused before it is read whole.
struct StripeWebhookController: Sendable {
    let events: PaymentProviderEvents

    /// Larger than any PaymentIntent event Stripe sends, small enough that a flood costs little.
    static let maximumBody = 256 * 1024

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/api/payments/stripe/webhook", use: receive)
    }

    struct Receipt: ResponseEncodable {
        var received: Bool
        var result: String
    }

    @Sendable func receive(_ request: Request, context: AppRequestContext) async throws -> Receipt {
        var request = request
        let body = try await request.collectBody(upTo: Self.maximumBody)
        let receipt = try await events.receive(
            body: Array(buffer: body), signature: request.headers[HTTPField.Name("Stripe-Signature")!], logger: context.logger)
        return Receipt(received: true, result: receipt.rawValue)
    }
}
