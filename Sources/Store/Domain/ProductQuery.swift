/// Filters and paging for the catalog (inactive products only for staff keeping it).
public struct ProductQuery: Sendable, Equatable {
    public var category: String?
    /// Matched against SKU, name and description, case-insensitively.
    public var search: String?
    public var inStockOnly: Bool
    /// Lists deleted (inactive) products too: only ``CatalogOperations/manage(_:by:logger:)`` sets it.
    public var includeInactive = false
    public var page: Int
    public var size: Int

    public init(category: String? = nil, search: String? = nil, inStockOnly: Bool = false, page: Int = 1, size: Int = 20) {
        self.category = category
        self.search = search
        self.inStockOnly = inStockOnly
        self.page = page
        self.size = size
    }
}
