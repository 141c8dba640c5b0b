import Foundation

/// One CSV row of the order export: the order with its lines summarised.
public struct OrderExportRow: Sendable {
    public var order: Order
    public var itemsCount: Int
    /// `SKU xQTY; SKU xQTY`, by SKU.
    public var items: String
}
