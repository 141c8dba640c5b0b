import Foundation

/// Filters, sort and paging of order lists.
public struct OrderQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case newest = "-created_at"
        case oldest = "created_at"
        case largest = "-total_amount"
        case smallest = "total_amount"
    }

    /// Only this user's orders (always set for a customer).
    public var userID: UUID?
    public var statuses: [OrderStatus]
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Customer name or email, order-id prefix, or SKU.
    public var search: String?
    public var minTotal: Decimal?
    public var maxTotal: Decimal?
    public var sort: Sort
    public var page: Int
    public var size: Int
    /// Keyset paging: the page after this cursor (then `page` is ignored and no total is counted).
    public var cursor: OrderCursor?
    /// Whether a first page (no cursor) counts every match: a keyset list that shows no total
    /// (the console's staff list) skips the count, the costliest part of a page of a large shop.
    public var countsTotal = true

    public init(
        userID: UUID? = nil, statuses: [OrderStatus] = [], createdFrom: Date? = nil, createdTo: Date? = nil,
        search: String? = nil, minTotal: Decimal? = nil, maxTotal: Decimal? = nil, sort: Sort = .newest, page: Int = 1, size: Int = 20
    ) {
        self.userID = userID
        self.statuses = statuses
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.search = search
        self.minTotal = minTotal
        self.maxTotal = maxTotal
        self.sort = sort
        self.page = page
        self.size = size
    }
}
