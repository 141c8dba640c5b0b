/// Why a payment operation was refused, below HTTP (the edge maps each code once).
public struct PaymentError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        /// The order has no payment (payments were off when it was placed, or no such order).
        public static let notFound = Code(base: "notFound")
        /// The payment is not in a state that allows this (a refund of an unpaid order).
        public static let conflict = Code(base: "conflict")
        /// More than what remains refundable.
        public static let exceedsRefundable = Code(base: "exceedsRefundable")
        /// The idempotency key was used for another refund of the order.
        public static let idempotencyMismatch = Code(base: "idempotencyMismatch")
        /// An amount the currency cannot express, or not above zero.
        public static let invalidAmount = Code(base: "invalidAmount")
        /// The provider declined the payment method (`detail` is its message for the customer);
        /// the order stays payable.
        public static let declined = Code(base: "declined")
        /// The provider did not answer: nothing is known to have changed; try again later.
        public static let providerUnavailable = Code(base: "providerUnavailable")
        public var description: String { base }
    }

    public var code: Code
    public var detail: String?

    public init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "PaymentError(\(code))" }
}
