import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
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
        try await LocalStripe.with { provider in
            let app = try await makeAccountsGateway([
                "PAYMENTS": "stripe", "STRIPE_API_BASE": provider.apiBase, "STRIPE_SECRET_KEY": LocalStripe.secretKey,
                "STRIPE_WEBHOOK_SECRET": "whsec_consoletests",
            ])
            try await app.test(.router) { client in try await body(client) }
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
}
