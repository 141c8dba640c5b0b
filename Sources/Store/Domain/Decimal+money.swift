import Foundation
import ProcessSupport

extension Decimal {
    /// Two-place text for the API: `1299.99`, `5.00`, `-12.50` (rounded half to even).
    public var moneyString: String {
        var text = ""
        withMoneyText { text = String(decoding: $0, as: UTF8.self) }
        return text
    }

    /// ``moneyString``'s bytes, lent from the stack: a writer that copies them (the JSON of an
    /// order) needs no `String` in between, which took an allocation per amount.
    public func withMoneyText(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .bankers)
        if let hundredths = rounded.wholeHundredths {
            // Written digit by digit: a sign, the whole part and two places fit 22 bytes.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 22) { text in
                var at = 0
                if hundredths < 0 {
                    text[0] = UInt8(ascii: "-")
                    at = 1
                }
                at = DecimalDigits.write(hundredths.magnitude / 100, into: text, at: at)
                text[at] = UInt8(ascii: ".")
                at = DecimalDigits.write(hundredths.magnitude % 100, width: 2, into: text, at: at + 1)
                body(UnsafeBufferPointer(rebasing: text[0..<at]))
            }
            return
        }
        // Beyond an Int64 of hundredths (no amount the platform stores): by the number's text.
        // `Decimal.description` is locale-free ("-12.5"); only the two places need padding.
        let parts = rounded.description.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1].prefix(2)) : ""
        var text = parts[0] + "." + fraction + String(repeating: "0", count: 2 - fraction.count)
        text.withUTF8 { body($0) }
    }

    /// The number times 100 when that is a whole `Int64`; nil otherwise. Read through the
    /// significand's integer value: `Decimal.description` costs a division per digit, and was
    /// a tenth of a page of orders' CPU time written out as money.
    var wholeHundredths: Int64? {
        guard !isNaN else { return nil }
        let places = exponent + 2
        guard (0...18).contains(places) else { return nil }
        let significand = NSDecimalNumber(decimal: significand)
        // Well below 2^63 (a `Double`'s rounding cannot carry a larger value under it): the
        // digits fit an `Int64`. Comparing `Decimal`s instead cost twice this whole function.
        guard significand.doubleValue < 9.0e18 else { return nil }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let digits = significand.int64Value
        let (hundredths, overflow) = digits.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return sign == .minus ? -hundredths : hundredths
    }
}
