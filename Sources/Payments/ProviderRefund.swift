/// A refund as the provider holds it.
public struct ProviderRefund: Sendable, Equatable, Decodable {
    public var id: String
    /// Minor units.
    public var amount: Int64
    public var currency: String
    /// `succeeded`, `pending`, `failed`, `canceled` (`requires_action` at Stripe).
    public var status: String
    public var paymentIntent: String?
    /// The platform's own refund id and reason, set at creation.
    public var metadata: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status, metadata
        case paymentIntent = "payment_intent"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int64.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        status = try container.decode(String.self, forKey: .status)
        paymentIntent = try container.decodeIfPresent(String.self, forKey: .paymentIntent)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}
