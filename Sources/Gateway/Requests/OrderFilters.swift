import Foundation
import Hummingbird
import ServiceHTTP
import Store

/// Reads the order-list filters of API.md from the query string; anything malformed is 400.
/// An empty value (`created_from=`, as an HTML form sends it) is the same as no value.
enum OrderFilters {
    static func query(_ request: Request, pagination: Pagination, timeZone: TimeZone) throws -> OrderQuery {
        let query = request.uri.queryParameters
        let parameters = { (name: String) -> Substring? in query[Substring(name)].flatMap { $0.isEmpty ? nil : $0 } }
        var orderQuery = OrderQuery(page: pagination.page, size: pagination.size)
        if let raw = parameters("status") {
            orderQuery.statuses = try raw.split(separator: ",").map { part in
                guard let status = OrderStatus(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw APIError(
                        .badRequest,
                        "Query parameter status must be one or more of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return status
            }
        }
        orderQuery.createdFrom = try parameters("created_from").map {
            try instant(String($0), name: "created_from", endOfDay: false, timeZone: timeZone)
        }
        orderQuery.createdTo = try parameters("created_to").map {
            try instant(String($0), name: "created_to", endOfDay: true, timeZone: timeZone)
        }
        if let q = parameters("q") { orderQuery.search = String(q.prefix(100)) }
        if let raw = parameters("user_id") {
            guard let id = UUID(parsing: raw) else { throw APIError(.badRequest, "Query parameter user_id must be a UUID.") }
            orderQuery.userID = id
        }
        orderQuery.minTotal = try parameters("min_total").map { try money(String($0), name: "min_total") }
        orderQuery.maxTotal = try parameters("max_total").map { try money(String($0), name: "max_total") }
        if let raw = parameters("sort") {
            guard let sort = OrderQuery.Sort(rawValue: String(raw)) else {
                throw APIError(
                    .badRequest, "Query parameter sort must be one of \(OrderQuery.Sort.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            orderQuery.sort = sort
        }
        if let raw = parameters("cursor") {
            guard let cursor = OrderCursor(token: String(raw)), cursor.sort == orderQuery.sort.rawValue else {
                throw APIError(.badRequest, "Query parameter cursor is not a cursor this list gave out (with the same sort).")
            }
            orderQuery.cursor = cursor
        }
        return orderQuery
    }

    /// A date (`2026-11-24`, a whole day in `TIMEZONE`) or a full RFC 3339 timestamp.
    static func instant(_ text: String, name: String, endOfDay: Bool, timeZone: TimeZone) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = text.split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, text.count == 10,
            let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            calendar.component(.day, from: start) == parts[2]
        {
            return endOfDay ? calendar.date(byAdding: DateComponents(day: 1, second: -1), to: start)!.addingTimeInterval(0.999) : start
        }
        throw APIError(.badRequest, "Query parameter \(name) must be a date (2026-11-24) or an RFC 3339 timestamp.")
    }

    static func money(_ text: String, name: String) throws -> Decimal {
        guard let value = MoneyInput.parse(text) else {
            throw APIError(.badRequest, "Query parameter \(name) must be an amount like 12.50.")
        }
        return value
    }
}
