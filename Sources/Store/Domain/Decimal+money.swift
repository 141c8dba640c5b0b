import Foundation

extension Decimal {
    /// Two-place text for the API: `1299.99`, `5.00`.
    public var moneyString: String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .bankers)
        // `Decimal.description` is locale-free ("-12.5"); only the two places need padding. (A
        // NumberFormatter here cost an ICU set-up per amount: most of an order list's CPU time.)
        let text = rounded.description
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1].prefix(2)) : ""
        return parts[0] + "." + fraction + String(repeating: "0", count: 2 - fraction.count)
    }
}
