import Store

extension OrdersController {
    /// The body of `POST /api/orders`: the contact fields (``OrderContactFields``, shared with
    /// the console's checkout) and the lines.
    struct CreateRequest: Decodable {
        struct Line: Decodable {
            var productSKU: String
            var quantity: Int

            enum CodingKeys: String, CodingKey {
                case quantity
                case productSKU = "product_sku"
            }
        }

        var contact: OrderContact
        var items: [Line]

        enum CodingKeys: String, CodingKey {
            case items
        }

        init(from decoder: any Decoder) throws {
            contact = try OrderContactFields(from: decoder).contact
            items = try decoder.container(keyedBy: CodingKeys.self).decode([Line].self, forKey: .items)
        }

        var input: OrderInput { OrderInput(contact, lines: items.map { ($0.productSKU, $0.quantity) }) }
    }
}
