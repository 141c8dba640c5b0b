/// Where an order's payment stands, as the API shows it (`payment_status`).
public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    /// No authorisation yet (also every order of a platform with payments off).
    case unpaid
    /// The payer must authenticate (3-D Secure) before the provider authorises.
    case requiresAction = "requires_action"
    /// Authorised, not captured: the money is held.
    case authorized
    /// Captured.
    case paid
    case partiallyRefunded = "partially_refunded"
    case refunded
    /// The authorisation was released (the order was cancelled before capture).
    case voided
    /// The provider refused for good (an intent that can no longer be paid).
    case failed
}
