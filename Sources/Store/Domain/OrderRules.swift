import ProcessSupport

/// The configured order rules the store enforces.
public struct OrderRules: Sendable {
    public var autoProcessAfterSeconds: Int
    public var cancelWindowSeconds: Int
    public var maxPendingOrders: Int
    public var currency: String

    public init(autoProcessAfterSeconds: Int, cancelWindowSeconds: Int, maxPendingOrders: Int, currency: String) {
        self.autoProcessAfterSeconds = autoProcessAfterSeconds
        self.cancelWindowSeconds = cancelWindowSeconds
        self.maxPendingOrders = maxPendingOrders
        self.currency = currency
    }
}

extension PlatformConfiguration {
    public var orderRules: OrderRules {
        OrderRules(
            autoProcessAfterSeconds: autoProcessAfterSeconds, cancelWindowSeconds: cancelWindowSeconds,
            maxPendingOrders: maxPendingOrders, currency: currency
        )
    }
}
