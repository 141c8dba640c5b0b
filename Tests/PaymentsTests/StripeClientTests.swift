import AsyncHTTPClient
import Foundation
import Logging
import TestSupport
import Testing

@testable import Payments

/// The Stripe client against a real localstripe on loopback: the calls the platform makes, the
/// states they lead to as the provider reports them, and its refusals mapped to what the
/// platform does about them.
@Suite("Stripe client", .serialized)
struct StripeClientTests {
    let logger = Logger(label: "test")

    func client(_ provider: LocalStripe, key: String = LocalStripe.secretKey) -> StripeClient {
        StripeClient(
            http: .paymentProvider, configuration: .init(apiBase: provider.apiBase, secretKey: key, timeout: .seconds(5)))
    }

    /// A fresh intent of `amount` cents for a made-up order.
    func intent(_ stripe: StripeClient, amount: Int64 = 1234) async throws -> PaymentIntent {
        let order = UUID().uuidString.lowercased()
        return try await stripe.createIntent(
            amount: amount, currency: "USD", orderID: order, idempotencyKey: "intent-\(order)", logger: logger)
    }

    // MARK: The paid path

    @Test func authorisesCapturesAndReadsBack() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe)
            #expect(created.status == .requiresPaymentMethod && created.amount == 1234 && created.currency == "usd")
            #expect(created.clientSecret?.hasPrefix(created.id + "_secret_") == true && created.metadata["order_id"] != nil)
            _ = try await stripe.setPaymentMethod("pm_card_visa", on: created.id, idempotencyKey: "pm-\(created.id)", logger: logger)
            let authorised = try await stripe.confirm(created.id, idempotencyKey: "confirm-\(created.id)", logger: logger)
            #expect(authorised.status == .requiresCapture && authorised.nextAction == nil)
            let captured = try await stripe.capture(created.id, idempotencyKey: "capture-\(created.id)", logger: logger)
            #expect(captured.status == .succeeded && captured.latestCharge?.hasPrefix("ch_") == true)
            let read = try await stripe.intent(created.id, logger: logger)
            #expect(read.status == .succeeded && read.id == created.id && read.amount == 1234)
            // As the provider itself reports it, not only as our client decoded it.
            #expect(try await provider.get("/v1/payment_intents/\(created.id)")["status"] as? String == "succeeded")
        }
    }

    @Test func refundsWhatWasCapturedWithItsMetadata() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe, amount: 5000)
            _ = try await stripe.setPaymentMethod("pm_card_visa", on: created.id, idempotencyKey: "pm-\(created.id)", logger: logger)
            _ = try await stripe.confirm(created.id, idempotencyKey: "confirm-\(created.id)", logger: logger)
            _ = try await stripe.capture(created.id, idempotencyKey: "capture-\(created.id)", logger: logger)
            let refund = try await stripe.refund(
                intent: created.id, amount: 1250, metadata: [("refund_id", "r1"), ("reason", "damaged & returned")],
                idempotencyKey: "refund-r1", logger: logger)
            #expect(refund.amount == 1250 && refund.status == "succeeded" && refund.metadata["reason"] == "damaged & returned")
            let listed = try await stripe.refunds(of: created.id, logger: logger)
            #expect(listed.map(\.id) == [refund.id] && listed.first?.metadata["refund_id"] == "r1")
        }
    }

    @Test func voidsAnAuthorisation() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe)
            _ = try await stripe.setPaymentMethod("pm_card_visa", on: created.id, idempotencyKey: "pm-\(created.id)", logger: logger)
            _ = try await stripe.confirm(created.id, idempotencyKey: "confirm-\(created.id)", logger: logger)
            let voided = try await stripe.cancel(created.id, idempotencyKey: "cancel-\(created.id)", logger: logger)
            #expect(voided.status == .canceled)
            // Stripe refuses to capture a cancelled intent (400); localstripe answers 200 and
            // leaves it cancelled: either way nothing is captured, and the platform never asks.
            let capture = try? await stripe.capture(created.id, idempotencyKey: "capture-\(created.id)", logger: logger)
            #expect(capture == nil || capture?.status == .canceled)
            #expect(try await stripe.intent(created.id, logger: logger).status == .canceled)
        }
    }

    // MARK: Declines and authentication

    @Test func aDeclineIsDeclinedWithTheCustomersMessage() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe)
            _ = try await stripe.setPaymentMethod(
                "pm_card_chargeCustomerFail", on: created.id, idempotencyKey: "pm-\(created.id)", logger: logger)
            let error = await #expect(throws: PaymentProviderError.self) {
                try await stripe.confirm(created.id, idempotencyKey: "confirm-\(created.id)", logger: logger)
            }
            #expect(error?.code == .declined && error?.status == 402 && error?.providerCode == "card_declined")
            #expect(error?.message?.contains("declined") == true && error?.isTransient == false)
            #expect(try await stripe.intent(created.id, logger: logger).status == .requiresPaymentMethod)
        }
    }

    @Test(arguments: [true, false])
    func threeDSecureWaitsForTheAuthentication(succeeds: Bool) async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe)
            let method = try await provider.cardMethod(number: "4000002500003155")
            _ = try await stripe.setPaymentMethod(method, on: created.id, idempotencyKey: "pm-\(created.id)", logger: logger)
            let waiting = try await stripe.confirm(created.id, idempotencyKey: "confirm-\(created.id)", logger: logger)
            #expect(waiting.status == .requiresAction && waiting.nextAction != nil)
            try await provider.authenticate(intent: created.id, clientSecret: try #require(created.clientSecret), success: succeeds)
            let after = try await stripe.intent(created.id, logger: logger)
            #expect(after.status == (succeeds ? .requiresCapture : .requiresPaymentMethod))
        }
    }

    // MARK: Refusals and outages

    @Test func refusalsAreMappedAndNothingReachesAURLUnescaped() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let missing = await #expect(throws: PaymentProviderError.self) { try await stripe.intent("pi_missing", logger: logger) }
            #expect(missing?.code == .notFound && missing?.status == 404)
            let key = await #expect(throws: PaymentProviderError.self) {
                try await client(provider, key: "pk_not_a_secret").intent("pi_missing", logger: logger)
            }
            #expect(key?.code == .unauthorized)
            // An id that is no Stripe id never becomes a path (no request at all).
            for id in ["../v1/refunds", "pi_1?x=1", "pi 1", "", "pi_é"] {
                let refused = await #expect(throws: PaymentProviderError.self) { try await stripe.intent(id, logger: logger) }
                #expect(refused?.code == .notFound && refused?.status == nil)
            }
            let bad = await #expect(throws: PaymentProviderError.self) {
                try await stripe.createIntent(amount: 0, currency: "usd", orderID: "x", idempotencyKey: "zero", logger: logger)
            }
            #expect(bad?.code == .invalidRequest && bad?.isTransient == false)
        }
    }

    @Test func anOutageIsTransientAndTheProviderKeepsItsState() async throws {
        try await LocalStripe.with { provider in
            let stripe = client(provider)
            let created = try await intent(stripe)
            await provider.kill()
            let asked = ContinuousClock.now
            let away = await #expect(throws: PaymentProviderError.self) { try await stripe.intent(created.id, logger: logger) }
            #expect(away?.code == .unavailable && away?.isTransient == true)
            // A refused connection fails the call at once, not at the call's 5 s timeout.
            #expect(ContinuousClock.now - asked < .seconds(2.5), "the call waited for a provider that refused to connect")
            try await provider.restart()
            #expect(try await stripe.intent(created.id, logger: logger).id == created.id)
        }
    }
}
