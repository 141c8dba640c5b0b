import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Store
import TestSupport
import Testing

@testable import Gateway

/// Paying for an order in the console, with payments on against a real localstripe: the order's
/// page shows its payment, its owner pays with a test method by name (no card number), a decline
/// is shown and leaves the order payable, and the API shows the same payment.
@Suite("Console payments", .timeLimit(.minutes(3)), .serialized)
struct ConsolePaymentTests {
    let orders = OrdersTests()

    func withPayingGateway(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withPayingGateway { client, _ in try await body(client) }
    }

    func withPayingGateway(_ body: @escaping @Sendable (any TestClientProtocol, LocalStripe) async throws -> Void) async throws {
        try await LocalStripe.with { provider in
            let app = try await makeAccountsGateway([
                "PAYMENTS": "stripe", "STRIPE_API_BASE": provider.apiBase, "STRIPE_SECRET_KEY": LocalStripe.secretKey,
                "STRIPE_WEBHOOK_SECRET": "whsec_consoletests",
            ])
            try await app.test(.router) { client in try await body(client, provider) }
        }
    }

    @Test func theOwnerPaysOnTheOrdersPageAndADeclineIsShown() async throws {
        try await withPayingGateway { client in
            let browser = ConsoleBrowser(client)
            let customer = try await createAccount(role: .customer)
            let sku = try await orders.makeProduct(stock: 10)
            let token = try await client.login(customer.username).access
            let placed = try await orders.place(client, token: token, [(sku, 2)])
            #expect(placed.status == .created && placed.json?["payment_status"] as? String == "unpaid")
            let order = try #require(placed.json?["id"] as? String)
            try await browser.signIn(customer.username)

            let page = try await browser.get("/orders/\(order)")
            #expect(page.status == .ok && page.text.contains("Awaiting payment") && page.text.contains(#"id="pay-order""#))
            #expect(page.text.contains("pm_card_visa") && !page.text.contains("card number"))
            #expect(!page.text.contains("pm_card_mastercard"), "only methods the provider knows")

            let declined = try await browser.post("/orders/\(order)/payment", [("payment_method", "pm_card_chargeCustomerFail")])
            #expect(declined.status == .conflict && declined.text.contains(#"id="pay-order""#), "still payable after a decline")
            #expect(declined.text.contains("role=\"alert\""))

            let paid = try await browser.post("/orders/\(order)/payment", [("payment_method", "pm_card_visa")])
            #expect(paid.status == .seeOther && paid.headers[.location] == "/orders/\(order)?notice=paid")
            let after = try await browser.get("/orders/\(order)")
            #expect(after.text.contains("Authorised") && !after.text.contains(#"id="pay-order""#))

            // The API says the same; the client secret is the owner's only, and gone once paid.
            let read = try await client.send(.get, "/api/orders/\(order)", token: token)
            #expect(read.json?["payment_status"] as? String == "authorized")
            let payment = try #require(read.json?["payment"] as? [String: Any])
            #expect(payment["amount"] as? String == "20.00" && (payment["intent_id"] as? String)?.hasPrefix("pi_") == true)
            #expect(payment["client_secret"] == nil || payment["client_secret"] is NSNull)
        }
    }

    @Test func staffSeeThePaymentWithoutAFormToPay() async throws {
        try await withPayingGateway { client in
            let customer = try await createAccount(role: .customer)
            let vendor = try await createAccount(role: .vendor)
            let sku = try await orders.makeProduct(stock: 10)
            let token = try await client.login(customer.username).access
            let order = try #require(try await orders.place(client, token: token, [(sku, 1)]).json?["id"] as? String)
            let browser = ConsoleBrowser(client)
            try await browser.signIn(vendor.username)
            let page = try await browser.get("/orders/\(order)")
            #expect(page.text.contains("Awaiting payment") && !page.text.contains(#"id="pay-order""#))
            let refused = try await browser.post("/orders/\(order)/payment", [("payment_method", "pm_card_visa")])
            #expect(refused.status == .notFound || refused.status == .conflict, "only its owner pays: \(refused.status)")
        }
    }

    /// A paid order: its owner paid through the API, its capture made at the provider and
    /// recorded as the capture job records it.
    func paidOrder(_ client: any TestClientProtocol, _ provider: LocalStripe) async throws -> String {
        let customer = try await createAccount(role: .customer)
        let sku = try await orders.makeProduct(stock: 10)
        let token = try await client.login(customer.username).access
        let order = try #require(try await orders.place(client, token: token, [(sku, 2)]).json?["id"] as? String)
        let paid = try await client.send(.post, "/api/orders/\(order)/payment", token: token, json: #"{"payment_method":"pm_card_visa"}"#)
        let intent = try #require((paid.json?["payment"] as? [String: Any])?["intent_id"] as? String)
        try await provider.post("/v1/payment_intents/\(intent)/capture", [:])
        try await TestStores.withDatabase(url: TestStores.databaseURL) { database in
            _ = try await PaymentLedger(database: database).apply(
                .init(status: .paid, capturedAmount: 20), to: try #require(UUID(uuidString: order)), from: [.authorized],
                logger: TestStores.logger)
        }
        return order
    }

    @Test func staffRefundPartOfAPaidOrderOnceHoweverOftenTheFormIsSent() async throws {
        try await withPayingGateway { client, provider in
            let order = try await paidOrder(client, provider)
            let vendor = try await createAccount(role: .vendor)
            let browser = ConsoleBrowser(client)
            try await browser.signIn(vendor.username)
            let page = try await browser.get("/orders/\(order)")
            #expect(page.text.contains("Paid") && page.text.contains(#"id="refund-order""#) && page.text.contains("$20.00"))
            let key = try #require(page.text.range(of: #"name="key" value="[0-9a-f-]{36}""#, options: .regularExpression))
            let fields = [("key", String(page.text[key].dropFirst(18).dropLast())), ("amount", "5.00"), ("reason", "scratched")]
            let first = try await browser.post("/orders/\(order)/refunds", fields)
            let second = try await browser.post("/orders/\(order)/refunds", fields)
            #expect(first.status == .seeOther && second.status == .seeOther)
            let after = try await browser.get("/orders/\(order)")
            #expect(after.text.components(separatedBy: "scratched").count == 2, "one refund listed")
            #expect(after.text.contains(#"id="refunds""#) && after.text.contains("$5.00"))

            let bad = try await browser.post("/orders/\(order)/refunds", [("key", UUID().uuidString), ("amount", "five")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("r-amount-error"))
            let tooMuch = try await browser.post("/orders/\(order)/refunds", [("key", UUID().uuidString), ("amount", "100")])
            #expect(tooMuch.status == .conflict && tooMuch.text.contains("remains refundable"))

            let customerView = ConsoleBrowser(client)
            let refused = try await customerView.post("/orders/\(order)/refunds", [("amount", "1")], csrf: false)
            #expect(refused.status != .seeOther || refused.headers[.location]?.hasPrefix("/login") == true)
        }
    }

    /// A card that asks for 3-D Secure: the page stands in for the bank's step (a local test
    /// provider only); failed, the order is payable again; confirmed, the payment is authorised.
    @Test func threeDSecureIsTheAuthenticationStepAndAFailureLeavesTheOrderPayable() async throws {
        try await withPayingGateway { client in
            let browser = ConsoleBrowser(client)
            let customer = try await createAccount(role: .customer)
            let sku = try await orders.makeProduct(stock: 10)
            let token = try await client.login(customer.username).access
            let order = try #require(try await orders.place(client, token: token, [(sku, 1)]).json?["id"] as? String)
            try await browser.signIn(customer.username)
            try await browser.get("/orders/\(order)")

            let asked = try await browser.post("/orders/\(order)/payment", [("payment_method", "pm_card_threeDSecure2Required")])
            #expect(asked.headers[.location] == "/orders/\(order)?notice=authenticate")
            let step = try await browser.get("/orders/\(order)")
            #expect(step.text.contains("Needs authentication") && step.text.contains(#"id="authenticate-payment""#))
            #expect(!step.text.contains(#"id="pay-order""#))

            let failed = try await browser.post("/orders/\(order)/payment/authenticate", [("success", "false")])
            #expect(failed.status == .conflict && failed.text.contains(#"id="pay-order""#), "payable again after a failed step")

            try await browser.post("/orders/\(order)/payment", [("payment_method", "pm_card_threeDSecure2Required")])
            try await browser.get("/orders/\(order)")
            let confirmed = try await browser.post("/orders/\(order)/payment/authenticate", [("success", "true")])
            #expect(confirmed.status == .seeOther)
            let read = try await client.send(.get, "/api/orders/\(order)", token: token)
            #expect(read.json?["payment_status"] as? String == "authorized")
        }
    }
}
