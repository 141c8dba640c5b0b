import ProcessSupport

/// The configured order rules the store enforces.
public struct OrderRules: Sendable {
    public var autoProcessAfterSeconds: Int
    public var cancelWindowSeconds: Int
    public var maxPendingOrders: Int
    public var currency: String
    /// The provider every new order's payment is opened with (`stripe`); nil: payments off, and
    /// orders are placed without one.
    public var paymentProvider: String?

    public init(
        autoProcessAfterSeconds: Int, cancelWindowSeconds: Int, maxPendingOrders: Int, currency: String, paymentProvider: String? = nil
    ) {
        self.autoProcessAfterSeconds = autoProcessAfterSeconds
        self.cancelWindowSeconds = cancelWindowSeconds
        self.maxPendingOrders = maxPendingOrders
        self.currency = currency
        self.paymentProvider = paymentProvider
    }
}

extension PlatformConfiguration {
    public var orderRules: OrderRules {
        OrderRules(
            autoProcessAfterSeconds: autoProcessAfterSeconds, cancelWindowSeconds: cancelWindowSeconds,
            maxPendingOrders: maxPendingOrders, currency: currency, paymentProvider: payments.enabled ? payments.provider.rawValue : nil
        )
    }
}
