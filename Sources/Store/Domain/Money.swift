import Foundation

/// Bounds of the money columns (`numeric(12,2)`): every price, line total and order total.
public enum Money {
    /// The largest amount a money column holds: ten digits before the point, two after.
    public static let maximum = Decimal(string: "9999999999.99")!

    /// Parses `123`, `123.4`, `-123.45` exactly: ASCII digits, at most ten before the point and
    /// two after, no exponent, no spaces. Anything else is nil.
    public static func parse(_ text: String) -> Decimal? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let head = parts.first, (1...2).contains(parts.count) else { return nil }
        let whole = head.hasPrefix("-") ? head.dropFirst() : head
        let digits = { (part: Substring) in part.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
        guard (1...10).contains(whole.utf8.count), digits(whole),
            parts.count == 1 || (1...2).contains(parts[1].utf8.count) && digits(parts[1])
        else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}
