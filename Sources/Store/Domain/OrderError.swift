/// Why an order operation was refused, in the `PSQLError` pattern: a stable code plus details.
public struct OrderError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        public static let outOfStock = Code(base: "outOfStock")
        public static let unknownProducts = Code(base: "unknownProducts")
        public static let tooManyPending = Code(base: "tooManyPending")
        /// Another request with the same idempotency key is still running.
        public static let idempotencyInProgress = Code(base: "idempotencyInProgress")
        /// The idempotency key was used with another body.
        public static let idempotencyMismatch = Code(base: "idempotencyMismatch")
        public static let illegalTransition = Code(base: "illegalTransition")
        public static let cancelWindowClosed = Code(base: "cancelWindowClosed")
        public static let notFound = Code(base: "notFound")
        /// A line's total or the order's total would be more than ``Money/maximum``.
        public static let totalTooLarge = Code(base: "totalTooLarge")
        /// The order's payment is not captured: it cannot ship.
        public static let unpaid = Code(base: "unpaid")
        public var description: String { base }
    }

    /// A line that could not be reserved.
    public struct Shortage: Sendable, Equatable {
        public var sku: String
        public var requested: Int
        public var available: Int
    }

    public var code: Code
    public var shortages: [Shortage] = []
    public var unknownSKUs: [String] = []
    /// The order's status when a transition was refused.
    public var currentStatus: OrderStatus?

    public init(_ code: Code, shortages: [Shortage] = [], unknownSKUs: [String] = [], currentStatus: OrderStatus? = nil) {
        self.code = code
        self.shortages = shortages
        self.unknownSKUs = unknownSKUs
        self.currentStatus = currentStatus
    }

    public var description: String { "OrderError(\(code))" }
}
