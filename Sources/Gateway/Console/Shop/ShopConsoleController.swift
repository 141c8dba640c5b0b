import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store

/// The shop's catalog for anyone, and a customer's cart and checkout (``ShopConsoleController+cart``): the order is
/// placed through the API's operation.
struct ShopConsoleController: Sendable {
    let accounts: AccountOperations
    let catalog: CatalogOperations
    let carts: CartOperations
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/", use: shop)
        router.get("/cart", use: cart)
        router.post("/cart/add", use: addToCart)
        router.post("/cart/update", use: updateCart)
        router.get("/checkout", use: checkoutPage)
        router.post("/checkout", use: checkout)
    }

    // MARK: Catalog

    /// A product card of the shop.
    struct ProductCard: Sendable {
        var sku: String
        var name: String
        var description: String
        var category: String
        var price: String
        var stockLabel: String
        var inStock: Bool
        var lowStock: Bool
        var image: String
        var hasImage: Bool
    }

    struct Chip: Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    struct ShopPage: Sendable {
        var search: String
        var inStockOnly: Bool
        /// nil for every category (an empty string would still open a template section).
        var category: String?
        var categories: [Chip]
        var products: [ProductCard]
        var paging: ConsolePaging
        var canBuy: Bool
        var signedOut: Bool
        /// Where adding to the cart comes back to (this page, its filters kept).
        var back: String
    }

    /// The catalog for anyone: categories with counts, search, the in-stock filter, paging.
    @Sendable func shop(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let category = parameters["category"].map(String.init) ?? ""
        let search = String((parameters["q"].map(String.init) ?? "").prefix(100))
        let inStock = parameters["in_stock"] == "1" || parameters["in_stock"] == "true"
        let page = max(1, min(1_000_000, Int(parameters["page"] ?? "") ?? 1))
        let size = 12
        let list = try await catalog.list(
            ProductQuery(
                category: category.isEmpty ? nil : category, search: search.isEmpty ? nil : search, inStockOnly: inStock, page: page,
                size: size),
            logger: context.logger
        )
        let categories = try await catalog.categories(logger: context.logger)
        let total = categories.reduce(0) { $0 + $1.count }
        func chipLink(_ name: String) -> String {
            var pairs: [(String, String)] = []
            if !name.isEmpty { pairs.append(("category", name)) }
            if !search.isEmpty { pairs.append(("q", search)) }
            if inStock { pairs.append(("in_stock", "1")) }
            return "/"
                + (pairs.isEmpty
                    ? ""
                    : "?"
                        + pairs.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(
                            separator: "&"))
        }
        let chips =
            [Chip(label: "All (\(total))", href: chipLink(""), current: category.isEmpty)]
            + categories.map { Chip(label: "\($0.name) (\($0.count))", href: chipLink($0.name), current: $0.name == category) }
        let view = ShopPage(
            search: search, inStockOnly: inStock, category: category.isEmpty ? nil : category, categories: chips,
            products: list.items.map(card),
            paging: ConsolePaging(
                page: page, size: size, total: list.total, path: "/",
                query: [("category", category), ("q", search), ("in_stock", inStock ? "1" : "")]),
            canBuy: context.console?.role == .customer, signedOut: context.console == nil, back: request.uri.description
        )
        return pages.render(
            "shop", title: "Shop", section: "shop", page: view, context: context, request: request,
            cartCount: await pages.cartCount(context.console, context: context)
        )
    }

    func card(_ product: Product) -> ProductCard {
        let image = product.imageURL.flatMap { $0.hasPrefix("https://") ? $0 : nil }
        return ProductCard(
            sku: product.sku, name: product.name, description: product.description ?? "", category: product.category,
            price: format.money(product.price),
            stockLabel: product.stock == 0 ? "Out of stock" : product.stock < 10 ? "Only \(product.stock) left" : "In stock",
            inStock: product.stock > 0, lowStock: product.stock > 0 && product.stock < 10,
            image: image ?? ProductPlaceholder.dataURI(name: product.name, category: product.category),
            hasImage: image != nil
        )
    }

}
