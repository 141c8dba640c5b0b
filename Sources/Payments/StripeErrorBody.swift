/// Stripe's error answer: `{"error": {"type", "code", "decline_code", "message"}}`.
struct StripeErrorBody: Decodable {
    struct Detail: Decodable {
        var type: String?
        var code: String?
        var declineCode: String?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case type, code, message
            case declineCode = "decline_code"
        }
    }
    var error: Detail
}
