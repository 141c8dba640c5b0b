import Foundation
import HTTPTypes
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Catalog", .timeLimit(.minutes(2)))
struct ProductsTests {
    // MARK: Helpers

    func productJSON(sku: String, category: String, price: String = #""19.99""#, stock: Int = 5) -> String {
        #"{"sku":"\#(sku)","name":"Thing \#(sku)","description":"A thing","category":"\#(category)","price":\#(price),"stock":\#(stock)}"#
    }

    // MARK: Tests

    @Test func staffCreateAndEveryoneBrowses() async throws {
        let vendor = try await createAccount(role: .vendor)
        let admin = try await createAccount(role: .admin)
        let customer = try await createAccount(role: .customer)
        let category = uniqueName("cat")
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let vendorToken = try await client.login(vendor.username).access
            let customerToken = try await client.login(customer.username).access
            let adminToken = try await client.login(admin.username).access
            let skuA = uniqueName("A").uppercased()
            let skuB = uniqueName("B").uppercased()
            let skuC = uniqueName("C").uppercased()

            #expect(
                try await client.send(.post, "/api/products", token: customerToken, json: productJSON(sku: skuA, category: category)).status
                    == .forbidden)
            #expect(try await client.send(.post, "/api/products", json: productJSON(sku: skuA, category: category)).status == .unauthorized)

            let created = try await client.send(
                .post, "/api/products", token: vendorToken, json: productJSON(sku: skuA, category: category, price: "1299.99"))
            #expect(created.status == .created)
            #expect(created.json?["price"] as? String == "1299.99", "a JSON number becomes an exact two-place string")
            #expect(
                try await client.send(
                    .post, "/api/products", token: vendorToken, json: productJSON(sku: skuB, category: category, price: #""5""#, stock: 0)
                ).status == .created)
            #expect(
                try await client.send(.post, "/api/products", token: vendorToken, json: productJSON(sku: skuC, category: category)).status
                    == .created)
            #expect(
                try await client.send(.post, "/api/products", token: vendorToken, json: productJSON(sku: skuA, category: category)).status
                    == .conflict)

            let all = try await client.send(.get, "/api/products?category=\(category)")
            #expect(all.json?["total"] as? Int == 3)
            let inStock = try await client.send(.get, "/api/products?category=\(category)&in_stock=true")
            #expect(inStock.json?["total"] as? Int == 2)
            let searched = try await client.send(.get, "/api/products?q=\(skuC.lowercased())")
            #expect((searched.json?["items"] as? [[String: Any]])?.map { $0["sku"] as? String } == [skuC])

            let fetched = try await client.send(.get, "/api/products/\(skuB)")
            #expect(fetched.json?["price"] as? String == "5.00")

            // Only admins delete, and deleting hides the product from the public.
            #expect(try await client.send(.delete, "/api/products/\(skuC)", token: vendorToken).status == .forbidden)
            #expect(try await client.send(.delete, "/api/products/\(skuC)", token: adminToken).status == .noContent)
            #expect(try await client.send(.get, "/api/products/\(skuC)").status == .notFound)
            #expect(try await client.send(.get, "/api/products/\(skuC)", token: vendorToken).status == .notFound)
            let hidden = try await client.send(.get, "/api/products/\(skuC)?include_inactive=true", token: vendorToken)
            #expect(hidden.status == .ok)
            #expect(hidden.json?["is_active"] as? Bool == false)
            #expect(try await client.send(.get, "/api/products/\(skuC)?include_inactive=true").status == .notFound, "staff only")
            #expect(try await client.send(.get, "/api/products?category=\(category)").json?["total"] as? Int == 2)

            let categories = try await client.send(.get, "/api/products/categories")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: categories.body)) as? [[String: Any]])
            #expect(list.first { $0["name"] as? String == category }?["count"] as? Int == 2)
        }
    }

    @Test func partialUpdatesValidateStockAndPrice() async throws {
        let vendor = try await createAccount(role: .vendor)
        let app = try await makeAccountsGateway()
        let sku = uniqueName("P").uppercased()
        try await app.test(.router) { client in
            let token = try await client.login(vendor.username).access
            #expect(
                try await client.send(.post, "/api/products", token: token, json: productJSON(sku: sku, category: uniqueName("cat"))).status
                    == .created)

            let updated = try await client.send(.put, "/api/products/\(sku)", token: token, json: #"{"stock":42,"price":"0.10"}"#)
            #expect(updated.status == .ok)
            #expect(updated.json?["stock"] as? Int == 42)
            #expect(updated.json?["price"] as? String == "0.10")
            #expect(updated.json?["name"] as? String == "Thing \(sku)", "absent fields are unchanged")

            for bad in [#"{"stock":-1}"#, #"{"price":"12.345"}"#, #"{"price":"-3"}"#, #"{"price":"1e3"}"#, #"{"price":true}"#] {
                let response = try await client.send(.put, "/api/products/\(sku)", token: token, json: bad)
                #expect(response.status == .unprocessableContent, "\(bad) gave \(response.status)")
            }
            #expect(try await client.send(.get, "/api/products/\(sku)").json?["stock"] as? Int == 42, "a refused update changes nothing")
            #expect(try await client.send(.put, "/api/products/NO-SUCH-\(sku)", token: token, json: #"{"stock":1}"#).status == .notFound)
        }
    }

    @Test func moneyParsingIsExact() {
        #expect(MoneyInput.parse("1299.99") == Decimal(string: "1299.99"))
        #expect(MoneyInput.parse("0.1")?.moneyString == "0.10")
        #expect(Decimal(string: "1299.99")?.moneyString == "1299.99")
        #expect(Decimal(5).moneyString == "5.00")
        #expect(Decimal(0).moneyString == "0.00")
        #expect(Decimal(string: "-12.5")?.moneyString == "-12.50")
        #expect(Decimal(string: "9999999999.995")?.moneyString == "10000000000.00")
        #expect(MoneyInput.parse("12.345") == nil)
        #expect(MoneyInput.parse("1e3") == nil)
        #expect(MoneyInput.parse("") == nil)
        #expect(Decimal(string: "1299.99")!.moneyString == "1299.99")
    }
}
