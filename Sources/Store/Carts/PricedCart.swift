import Foundation

/// A cart priced from the catalog as it is now (the order takes its prices from there too).
public struct PricedCart: Sendable {
    /// One product in the cart.
    public struct Line: Sendable {
        public var sku: String
        /// Nil when the product is no longer sold.
        public var product: Product?
        public var quantity: Int
        /// Nil when the product is no longer sold.
        public var lineTotal: Decimal?

        /// Sold, and enough of it in stock for this line.
        public var isAvailable: Bool { product.map { $0.stock >= quantity } ?? false }
    }

    public var lines: [Line]
    /// The total of the lines still sold.
    public var total: Decimal

    /// Every line can be ordered as it stands.
    public var canCheckOut: Bool { !lines.isEmpty && lines.allSatisfy(\.isAvailable) }
    /// How many items, the badge on the cart.
    public var itemCount: Int { lines.reduce(0) { $0 + $1.quantity } }
}
