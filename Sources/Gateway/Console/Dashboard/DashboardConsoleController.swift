import Foundation
import Hummingbird
import Store

/// The dashboard: a customer's own orders by status; for staff the shop's counts, revenue, orders per day and
/// orders waiting to ship.
struct DashboardConsoleController: Sendable {
    let accounts: AccountOperations
    let orders: OrderOperations
    let pages: ConsolePages
    let format: ConsoleFormat
    let timeZone: TimeZone

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/dashboard", use: dashboard)
    }

    /// A count of one status, linked to the list filtered by it.
    struct StatusCount: Sendable {
        var status: String
        var label: String
        var count: Int
        var href: String
    }

    struct DashboardPage: Sendable {
        var staff: Bool
        var greeting: String
        var counts: [StatusCount]
        var recent: [OrderListRow]
        var noOrders: Bool
        /// Customer: what their orders came to; staff: delivered revenue.
        var revenue: String
        var openRevenue: String
        var chart: String?
        var waiting: [OrderListRow]
        var noneWaiting: Bool
    }

    /// How many days the staff dashboard's chart covers.
    static let chartDays = 14

    /// The customer's counts by status (the server's stats, not counted in the page) and recent
    /// orders; staff see the shop's counts, revenue, orders per day and orders waiting to ship.
    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        let account = try await user.account(from: accounts, logger: context.logger)
        let name = account.fullName.flatMap { $0.isEmpty ? nil : $0 } ?? user.username
        var view: DashboardPage
        if user.isStaff {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let start = calendar.date(byAdding: .day, value: -(Self.chartDays - 1), to: calendar.startOfDay(for: Date()))!
            async let all = orders.stats(OrderQuery(), timeZone: timeZone, by: user.actor, logger: context.logger)
            async let recentDays = orders.stats(OrderQuery(createdFrom: start), timeZone: timeZone, by: user.actor, logger: context.logger)
            async let waiting = orders.all(
                OrderQuery(statuses: [.processing], sort: .oldest, size: 8), by: user.actor, logger: context.logger)
            async let recent = orders.all(OrderQuery(size: 6), by: user.actor, logger: context.logger)
            let (stats, days, ship, latest) = try await (all, recentDays, waiting, recent)
            view = DashboardPage(
                staff: true, greeting: "Hello, \(name)", counts: counts(stats),
                recent: latest.orders.map { OrderListRow($0, format: format) },
                noOrders: latest.orders.isEmpty,
                revenue: format.money(stats.deliveredRevenue), openRevenue: format.money(stats.openRevenue),
                chart: perDayChart(days, from: start, calendar: calendar), waiting: ship.orders.map { OrderListRow($0, format: format) },
                noneWaiting: ship.orders.isEmpty
            )
        } else {
            async let stats = orders.myStats(by: user.actor, timeZone: timeZone, logger: context.logger)
            async let recent = orders.mine(OrderQuery(size: 5), by: user.actor, logger: context.logger)
            let (mine, latest) = try await (stats, recent)
            view = DashboardPage(
                staff: false, greeting: "Hello, \(name)", counts: counts(mine),
                recent: latest.orders.map { OrderListRow($0, format: format) },
                noOrders: latest.orders.isEmpty,
                revenue: format.money(mine.deliveredRevenue + mine.openRevenue), openRevenue: format.money(mine.openRevenue), chart: nil,
                waiting: [], noneWaiting: true
            )
        }
        return pages.render(
            "dashboard", title: "Dashboard", section: "dashboard", page: view, context: context, request: request,
            cartCount: await pages.cartCount(user, context: context)
        )
    }

    func counts(_ stats: OrderStats) -> [StatusCount] {
        OrderStatus.allCases.map {
            StatusCount(
                status: $0.rawValue, label: ConsoleFormat.label($0), count: stats.counts[$0] ?? 0, href: "/orders?status=" + $0.rawValue)
        }
    }

    /// Orders per day for the chart's days, days without orders included.
    func perDayChart(_ stats: OrderStats, from start: Date, calendar: Calendar) -> String {
        let byDate = Dictionary(stats.perDay.map { ($0.date, $0) }, uniquingKeysWith: { first, _ in first })
        var points: [ConsoleChart.Point] = []
        var total = 0
        for offset in 0..<Self.chartDays {
            let day = calendar.date(byAdding: .day, value: offset, to: start)!
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            let key = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            let count = byDate[key]?.orders ?? 0
            total += count
            let revenue = byDate[key].map { format.money($0.revenue) } ?? format.money(0)
            points.append(
                .init(label: format.shortDay(day), value: Double(count), title: "\(format.day(day)): \(count) orders, \(revenue)"))
        }
        return ConsoleChart(points: points, summary: "Orders per day over the last \(Self.chartDays) days: \(total) in all.").svg
    }
}
