import Store

extension OrdersController {
    /// The body of `POST /api/orders`.
    struct CreateRequest: Decodable {
        struct Line: Decodable {
            var productSKU: String
            var quantity: Int

            enum CodingKeys: String, CodingKey {
                case quantity
                case productSKU = "product_sku"
            }
        }

        var customerName: String
        var customerEmail: String
        var customerPhone: String?
        var shippingAddress: String
        var notes: String?
        var items: [Line]

        enum CodingKeys: String, CodingKey {
            case notes, items
            case customerName = "customer_name"
            case customerEmail = "customer_email"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }

        var input: OrderInput {
            OrderInput(
                customerName: customerName, customerEmail: customerEmail, customerPhone: customerPhone,
                shippingAddress: shippingAddress, notes: notes, lines: items.map { ($0.productSKU, $0.quantity) }
            )
        }
    }

    /// The body of `PUT /api/orders/{id}`: absent keeps a field, `null` clears phone or notes.
    struct DetailsRequest: Decodable {
        var details: OrderDetails

        enum CodingKeys: String, CodingKey {
            case notes
            case customerName = "customer_name"
            case customerPhone = "customer_phone"
            case shippingAddress = "shipping_address"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            details = OrderDetails(
                customerName: try container.decodeIfPresent(String.self, forKey: .customerName),
                customerPhone: try container.decodeNullable(String.self, forKey: .customerPhone),
                shippingAddress: try container.decodeIfPresent(String.self, forKey: .shippingAddress),
                notes: try container.decodeNullable(String.self, forKey: .notes)
            )
        }
    }

    /// The optional body of a cancel.
    struct CancelRequest: Decodable {
        var reason: String?
    }

    /// The body of `PUT /api/orders/{id}/status`.
    struct StatusRequest: Decodable {
        var status: OrderStatus
        var notes: String?
        var trackingNumber: String?

        enum CodingKeys: String, CodingKey {
            case status, notes
            case trackingNumber = "tracking_number"
        }
    }
}
