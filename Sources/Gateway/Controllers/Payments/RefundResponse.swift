import Hummingbird
import ProcessSupport
import Store

/// A refund as the API shows it: `{id, amount, status, reason, created_at}`, the amount as a
/// two-place string, the time in the display zone.
struct RefundResponse: ResponseEncodable {
    var id: String
    var amount: String
    var status: String
    var reason: String?
    var createdAt: String

    init(_ refund: Refund, time: DisplayTime) {
        id = refund.id.lowercasedString
        amount = refund.amount.moneyString
        status = refund.status.rawValue
        reason = refund.reason
        createdAt = time.string(from: refund.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, amount, status, reason
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(amount, forKey: .amount)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(createdAt, forKey: .createdAt)
    }
}
