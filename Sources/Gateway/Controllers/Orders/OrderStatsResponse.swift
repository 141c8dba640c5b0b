import Foundation
import Hummingbird
import Store

/// `GET /api/orders/stats`: counts by status, revenue, orders per day in `TIMEZONE`.
struct OrderStatsResponse: Encodable, Sendable, ResponseEncodable {
    struct Day: Encodable, Sendable {
        var date: String
        var orders: Int
        var revenue: String
    }

    struct Revenue: Encodable, Sendable {
        var delivered: String
        var open: String
        var total: String
    }

    var counts: [String: Int]
    var totalOrders: Int
    var revenue: Revenue
    var currency: String
    var timezone: String
    var perDay: [Day]

    enum CodingKeys: String, CodingKey {
        case counts, revenue, currency, timezone
        case totalOrders = "total_orders"
        case perDay = "per_day"
    }

    init(_ stats: OrderStats, currency: String, timeZone: TimeZone) {
        var counts: [String: Int] = [:]
        for status in OrderStatus.allCases { counts[status.rawValue] = stats.counts[status] ?? 0 }
        self.counts = counts
        self.totalOrders = counts.values.reduce(0, +)
        self.revenue = Revenue(
            delivered: stats.deliveredRevenue.moneyString, open: stats.openRevenue.moneyString,
            total: (stats.deliveredRevenue + stats.openRevenue).moneyString
        )
        self.currency = currency
        self.timezone = timeZone.identifier
        self.perDay = stats.perDay.map { Day(date: $0.date, orders: $0.orders, revenue: $0.revenue.moneyString) }
    }
}
