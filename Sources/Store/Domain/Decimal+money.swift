import Foundation

extension Decimal {
    /// Two-place text for the API: `1299.99`, `5.00`, `-12.50` (rounded half to even).
    public var moneyString: String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .bankers)
        if let hundredths = rounded.wholeHundredths {
            let whole = String(hundredths.magnitude / 100)
            let cents = hundredths.magnitude % 100
            return (hundredths < 0 ? "-" : "") + whole + (cents < 10 ? ".0" : ".") + String(cents)
        }
        // Beyond an Int64 of hundredths (no amount the platform stores): by the number's text.
        // `Decimal.description` is locale-free ("-12.5"); only the two places need padding.
        let text = rounded.description
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1].prefix(2)) : ""
        return parts[0] + "." + fraction + String(repeating: "0", count: 2 - fraction.count)
    }

    /// The number times 100 when that is a whole `Int64`; nil otherwise. Read through the
    /// significand's integer value: `Decimal.description` costs a division per digit, and was
    /// a tenth of a page of orders' CPU time written out as money.
    var wholeHundredths: Int64? {
        guard !isNaN, significand <= Self.largestSignificand else { return nil }
        let places = exponent + 2
        guard (0...18).contains(places) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let digits = Int64(truncating: NSDecimalNumber(decimal: significand))
        let (hundredths, overflow) = digits.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return sign == .minus ? -hundredths : hundredths
    }

    /// The largest significand ``wholeHundredths`` reads as an `Int64`.
    private static let largestSignificand = Decimal(Int64.max)
}
