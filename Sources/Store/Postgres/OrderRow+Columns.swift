import Postgres

extension OrderRow {
    /// Where ``OrderRow/orderColumns`` and ``OrderRow/itemsColumn(order:from:)`` sit in one statement's rows,
    /// looked up by name once per answer: a page of orders reads some 2,000 cells, and a lookup
    /// by name hashed the name for each of them.
    struct Columns {
        let id: Int, userID: Int, customerName: Int, customerEmail: Int, customerPhone: Int, shippingAddress: Int
        let notes: Int, status: Int, totalAmount: Int, currency: Int, trackingNumber: Int
        let createdAt: Int, updatedAt: Int, autoProcessAt: Int, cancellableUntil: Int
        let paymentOrderID: Int, paymentProvider: Int, paymentStatus: Int, paymentIntentID: Int, paymentAmount: Int
        let paymentCurrency: Int, paymentCapturedAmount: Int, paymentRefundedAmount: Int, paymentRefundingAmount: Int
        let paymentClientSecret: Int, paymentNextAction: Int, paymentLastError: Int, paymentCreatedAt: Int
        let paymentUpdatedAt: Int
        let items: Int

        /// The columns of `row`'s statement; throws when one is missing.
        init(of row: DatabaseRow) throws {
            // Listed in the order of the statements' column lists, so each is first looked for
            // just after the one before.
            var next = 0
            func at(_ name: String) throws -> Int {
                let index = try row.index(of: name, expectedAt: next)
                next = index + 1
                return index
            }
            id = try at("id")
            userID = try at("user_id")
            customerName = try at("customer_name")
            customerEmail = try at("customer_email")
            customerPhone = try at("customer_phone")
            shippingAddress = try at("shipping_address")
            notes = try at("notes")
            status = try at("status")
            totalAmount = try at("total_amount")
            currency = try at("currency")
            trackingNumber = try at("tracking_number")
            createdAt = try at("created_at")
            updatedAt = try at("updated_at")
            autoProcessAt = try at("auto_process_at")
            cancellableUntil = try at("cancellable_until")
            paymentOrderID = try at("payment_order_id")
            paymentProvider = try at("payment_provider")
            paymentStatus = try at("payment_status")
            paymentIntentID = try at("payment_intent_id")
            paymentAmount = try at("payment_amount")
            paymentCurrency = try at("payment_currency")
            paymentCapturedAmount = try at("payment_captured_amount")
            paymentRefundedAmount = try at("payment_refunded_amount")
            paymentRefundingAmount = try at("payment_refunding_amount")
            paymentClientSecret = try at("payment_client_secret")
            paymentNextAction = try at("payment_next_action")
            paymentLastError = try at("payment_last_error")
            paymentCreatedAt = try at("payment_created_at")
            paymentUpdatedAt = try at("payment_updated_at")
            items = try at("items")
        }
    }
}
