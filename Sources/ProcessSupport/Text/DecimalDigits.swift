/// Whole numbers written as ASCII digits straight into a text being filled (a `String`'s
/// uninitialized capacity): `String(value)` and a copy of it cost more than the rest of such a
/// text. Times (`DisplayTime`) and money (`Decimal.moneyString`) are written with it.
public enum DecimalDigits {
    /// Writes `value` at `start`, zero-padded to at least `width` digits; returns the index just
    /// past it. `buffer` has room for the digits (at most 20, or `width`).
    public static func write(_ value: UInt64, width: Int = 1, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let end = start + max(digits, width)
        var remaining = value
        for index in stride(from: end - 1, through: start, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return end
    }
}
