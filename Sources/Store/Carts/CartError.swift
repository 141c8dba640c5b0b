/// Why a cart change was refused.
public struct CartError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        /// A quantity outside 1–1000 (0 only to remove).
        public static let badQuantity = Code(base: "badQuantity")
        /// The cart holds as many products as an order may.
        public static let full = Code(base: "full")
        public var description: String { base }
    }

    public var code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var description: String { "CartError(\(code))" }
}
