/// A Stripe event as its webhook delivers it: which, when, and for the PaymentIntent events the
/// intent as it stood then.
public struct StripeEvent: Sendable, Decodable {
    public var id: String
    /// `payment_intent.succeeded`, `payment_intent.payment_failed`, …
    public var type: String
    /// Unix seconds.
    public var created: Int64
    /// The intent, for `payment_intent.*` events (nil for every other type, or one unreadable).
    public var intent: PaymentIntent?

    enum CodingKeys: String, CodingKey {
        case id, type, created, data
    }

    struct Data: Decodable {
        var object: PaymentIntent?

        enum CodingKeys: String, CodingKey {
            case object
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            object = try? container.decodeIfPresent(PaymentIntent.self, forKey: .object)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        intent = type.hasPrefix("payment_intent.") ? try container.decodeIfPresent(Data.self, forKey: .data)?.object : nil
    }
}
