/// One page of orders: `total` is absent on keyset pages, `nextCursor` when more may follow.
public struct OrderList: Sendable {
    public var orders: [Order]
    public var total: Int?
    public var nextCursor: OrderCursor?
}
