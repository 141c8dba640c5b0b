import Foundation

/// Counts and revenue of the orders matching a filter.
public struct OrderStats: Sendable {
    /// One day of the display zone.
    public struct Day: Sendable {
        public var date: String
        public var orders: Int
        public var revenue: Decimal
    }

    public var counts: [OrderStatus: Int]
    /// Money of delivered orders.
    public var deliveredRevenue: Decimal
    /// Money of orders still on their way (pending, processing, shipped).
    public var openRevenue: Decimal
    /// Orders per day (cancelled included), oldest first; revenue excludes cancelled orders.
    public var perDay: [Day]
}
