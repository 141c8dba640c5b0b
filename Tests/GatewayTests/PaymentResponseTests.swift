import Foundation
import OrderJSON
import Store
import Testing

/// An order's `payment` as JSON: amounts as two-place strings, and the client secret and next
/// action for the owner only, only while the payer still has to act.
@Suite("Payment JSON")
struct PaymentResponseTests {
    func payment(_ status: PaymentStatus) -> Payment {
        Payment(
            orderID: UUID(), provider: "stripe", status: status, intentID: "pi_1", amount: Decimal(string: "25.5")!, currency: "EUR",
            capturedAmount: status == .paid ? Decimal(string: "25.5")! : 0, refundedAmount: 0, refundingAmount: 0,
            clientSecret: "pi_1_secret_2",
            nextAction: #"{"type":"redirect_to_url","redirect_to_url":{"url":"https://bank.example/3ds"},"other":1}"#,
            lastError: nil, createdAt: Date(), updatedAt: Date())
    }

    func json(_ response: PaymentResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(response)) as? [String: Any])
    }

    @Test func theOwnerGetsTheSecretAndNextActionWhileTheyAreNeeded() throws {
        let waiting = try json(PaymentResponse(payment: payment(.requiresAction), forOwner: true))
        #expect(waiting["client_secret"] as? String == "pi_1_secret_2" && waiting["amount"] as? String == "25.50")
        let action = try #require(waiting["next_action"] as? [String: Any])
        #expect(action["type"] as? String == "redirect_to_url" && action["other"] == nil)
        #expect((action["redirect_to_url"] as? [String: Any])?["url"] as? String == "https://bank.example/3ds")
        let staff = try json(PaymentResponse(payment: payment(.requiresAction), forOwner: false))
        #expect(staff["client_secret"] == nil && staff["next_action"] == nil && staff["status"] as? String == "requires_action")
        let paid = try json(PaymentResponse(payment: payment(.paid), forOwner: true))
        #expect(paid["client_secret"] == nil && paid["captured_amount"] as? String == "25.50" && paid["intent_id"] as? String == "pi_1")
    }
}
