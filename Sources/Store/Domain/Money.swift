import Foundation

/// Bounds of the money columns (`numeric(12,2)`): every price, line total and order total.
public enum Money {
    /// The largest amount a money column holds: ten digits before the point, two after.
    public static let maximum = Decimal(string: "9999999999.99")!
}
