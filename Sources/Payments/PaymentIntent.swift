import Foundation

/// A Stripe PaymentIntent as the platform reads it: its state, amounts in minor units, and
/// what its payer still has to do.
public struct PaymentIntent: Sendable, Equatable, Decodable {
    /// Stripe's states: `requires_payment_method`, `requires_confirmation`, `requires_action`,
    /// `processing`, `requires_capture`, `canceled`, `succeeded`.
    public struct Status: RawRepresentable, Sendable, Hashable, Decodable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let requiresPaymentMethod = Status(rawValue: "requires_payment_method")
        public static let requiresConfirmation = Status(rawValue: "requires_confirmation")
        public static let requiresAction = Status(rawValue: "requires_action")
        public static let processing = Status(rawValue: "processing")
        public static let requiresCapture = Status(rawValue: "requires_capture")
        public static let canceled = Status(rawValue: "canceled")
        public static let succeeded = Status(rawValue: "succeeded")
    }

    public var id: String
    public var status: Status
    /// The amount authorised or asked for, in minor units.
    public var amount: Int64
    /// Lower-case ISO 4217 (`usd`).
    public var currency: String
    /// Handed to the payer's browser (Stripe.js) to confirm or authenticate there.
    public var clientSecret: String?
    /// What the payer must do before the intent goes on (3-D Secure): its `type` and, for a
    /// redirect, where to.
    public var nextAction: NextAction?
    /// What was captured, in minor units, where the provider says (`amount_received`; nil
    /// when it does not, as localstripe).
    public var amountReceived: Int64?
    /// The metadata the platform set (`order_id`).
    public var metadata: [String: String]
    /// Why the last attempt failed (a decline's code and message).
    public var lastPaymentError: LastPaymentError?
    /// The latest charge's id (Stripe sends an id, localstripe the object).
    public var latestCharge: String?

    public struct NextAction: Sendable, Equatable, Decodable {
        public var type: String
        public var redirectURL: String?

        enum CodingKeys: String, CodingKey {
            case type
            case redirectToURL = "redirect_to_url"
        }

        struct Redirect: Decodable {
            var url: String?
        }

        /// The platform's own record of it: `{"type": …, "redirect_to_url": {"url": …}}` (the
        /// rest Stripe.js reads itself from the client secret).
        public var json: String {
            var object: [String: Any] = ["type": type]
            if let redirectURL { object["redirect_to_url"] = ["url": redirectURL] }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self)
        }

        public init(type: String, redirectURL: String? = nil) {
            self.type = type
            self.redirectURL = redirectURL
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            redirectURL = try container.decodeIfPresent(Redirect.self, forKey: .redirectToURL)?.url
        }
    }

    public struct LastPaymentError: Sendable, Equatable, Decodable {
        public var code: String?
        public var declineCode: String?
        public var message: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case declineCode = "decline_code"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, amount, currency, metadata
        case clientSecret = "client_secret"
        case nextAction = "next_action"
        case amountReceived = "amount_received"
        case lastPaymentError = "last_payment_error"
        case latestCharge = "latest_charge"
    }

    /// An object with an `id`: an expanded reference.
    struct Reference: Decodable {
        var id: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(Status.self, forKey: .status)
        amount = try container.decode(Int64.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
        nextAction = try container.decodeIfPresent(NextAction.self, forKey: .nextAction)
        amountReceived = try container.decodeIfPresent(Int64.self, forKey: .amountReceived)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        lastPaymentError = try container.decodeIfPresent(LastPaymentError.self, forKey: .lastPaymentError)
        latestCharge =
            (try? container.decodeIfPresent(String.self, forKey: .latestCharge))
            ?? (try? container.decodeIfPresent(Reference.self, forKey: .latestCharge))?.id
    }
}
