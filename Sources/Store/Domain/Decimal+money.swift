import Foundation
import Postgres
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
        if let hundredths = roundedHundredths {
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
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .bankers)
        // `Decimal.description` is locale-free ("-12.5"); only the two places need padding.
        let parts = rounded.description.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1].prefix(2)) : ""
        var text = parts[0] + "." + fraction + String(repeating: "0", count: 2 - fraction.count)
        text.withUTF8 { body($0) }
    }

    /// The number times 100, rounded half to even (as `NSDecimalRound` rounds to two places),
    /// when its significand is a whole `UInt64` and the result an `Int64`; nil otherwise. By
    /// integer arithmetic on the number's parts (``Decimal/integerParts``): rounding through
    /// `NSDecimalRound` and reading the result through `NSDecimalNumber` cost 900 instructions
    /// an amount.
    var roundedHundredths: Int64? {
        guard let parts = integerParts else { return nil }
        var magnitude = parts.significand
        let shift = parts.exponent + 2
        if shift >= 0 {
            guard shift <= 19 else { return magnitude == 0 ? 0 : nil }
            for _ in 0..<shift {
                let (next, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                magnitude = next
            }
        } else {
            // Places beyond the second: dropped, rounding the rest half to even.
            guard shift >= -19 else { return 0 }
            var divisor: UInt64 = 1
            for _ in 0..<(-shift) { divisor *= 10 }
            let (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: divisor)
            let half = divisor / 2
            magnitude = quotient
            if remainder > half || (remainder == half && quotient % 2 == 1) { magnitude += 1 }
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return parts.negative ? -Int64(magnitude) : Int64(magnitude)
    }
}
