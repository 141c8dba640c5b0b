import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/products`: the public catalog, and its upkeep by vendors and admins.
struct ProductsController: Sendable {
    let products: any ProductRepository
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("/api/products")
        group.get(use: list)
        group.get("/categories", use: categories)
        group.get("/{sku}", use: get)
        group.post(use: create)
        group.put("/{sku}", use: update)
        group.delete("/{sku}", use: deactivate)
    }

    // MARK: Public

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Paginated<ProductResponse> {
        let pagination = try Pagination(request)
        let query = request.uri.queryParameters
        let page = try await products.list(
            ProductQuery(
                category: query["category"].map(String.init).flatMap { $0.isEmpty ? nil : $0 },
                search: query["q"].map(String.init).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) },
                inStockOnly: try request.queryBool("in_stock") ?? false,
                page: pagination.page, size: pagination.size
            ),
            logger: context.logger
        )
        return Paginated(items: page.items.map { ProductResponse($0, time: time) }, total: page.total, pagination: pagination)
    }

    struct CategoryResponse: Codable, Sendable {
        var name: String
        var count: Int
    }

    @Sendable func categories(_ request: Request, context: AppRequestContext) async throws -> Response {
        let categories = try await products.categories(logger: context.logger).map { CategoryResponse(name: $0.name, count: $0.count) }
        return try context.responseEncoder.encode(categories, from: request, context: context)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> ProductResponse {
        let product = try await find(context)
        // A deleted (inactive) product is gone for everyone, as after any DELETE; staff see it
        // again with `include_inactive=true` (to bring it back with PUT).
        let wantsInactive = try request.queryBool("include_inactive") ?? false
        let includeInactive = wantsInactive && context.identity?.role.isStaff == true
        guard product.isActive || includeInactive else { throw APIError(.notFound, "No such product.") }
        return ProductResponse(product, time: time)
    }

    // MARK: Staff

    struct CreateRequest: Decodable {
        var sku: String
        var name: String
        var description: String?
        var category: String
        var price: MoneyInput
        var stock: Int?
        var imageURL: String?
        var isActive: Bool?

        enum CodingKeys: String, CodingKey {
            case sku, name, description, category, price, stock
            case imageURL = "image_url"
            case isActive = "is_active"
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<ProductResponse> {
        _ = try context.require(.vendor, .admin)
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        var validator = InputValidator()
        validator.length(body.sku, "sku", 1...64)
        validator.check(
            body.sku.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "sku",
            "may contain only letters, digits, '-', '_' and '.'")
        Self.validate(
            name: body.name, description: body.description, category: body.category, price: body.price.value,
            stock: body.stock, imageURL: body.imageURL, into: &validator)
        try validator.validate()
        let product = Product(
            id: UUIDv7.make(), sku: body.sku, name: body.name, description: body.description, category: body.category,
            price: body.price.value, stock: body.stock ?? 0, isActive: body.isActive ?? true, imageURL: body.imageURL
        )
        do {
            return EditedResponse(
                status: .created, response: ProductResponse(try await products.create(product, logger: context.logger), time: time))
        } catch let error as StoreError where error.code == .duplicate {
            throw APIError(.conflict, "SKU \(body.sku) already exists.", errors: [.init(field: "sku", message: "is already taken")])
        }
    }

    struct UpdateRequest: Decodable {
        var name: String?
        var description: String??
        var category: String?
        var price: MoneyInput?
        var stock: Int?
        var isActive: Bool?
        var imageURL: String??

        enum CodingKeys: String, CodingKey {
            case name, description, category, price, stock
            case isActive = "is_active"
            case imageURL = "image_url"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeNullable(String.self, forKey: .description)
            category = try container.decodeIfPresent(String.self, forKey: .category)
            price = try container.decodeIfPresent(MoneyInput.self, forKey: .price)
            stock = try container.decodeIfPresent(Int.self, forKey: .stock)
            isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
            imageURL = try container.decodeNullable(String.self, forKey: .imageURL)
        }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> ProductResponse {
        let identity = try context.require(.vendor, .admin)
        let sku = try context.parameters.require("sku")
        let body = try await request.decodeJSON(UpdateRequest.self, context: context)
        // Deleting and restoring a product is an admin's act, whichever route carries it.
        if body.isActive != nil, identity.role != .admin {
            throw APIError(.forbidden, "Only admins may change is_active (delete or restore a product).")
        }
        var validator = InputValidator()
        Self.validate(
            name: body.name, description: body.description ?? nil, category: body.category, price: body.price?.value,
            stock: body.stock, imageURL: body.imageURL ?? nil, into: &validator)
        try validator.validate()
        let changes = ProductChanges(
            name: body.name, description: body.description, category: body.category, price: body.price?.value,
            stock: body.stock, isActive: body.isActive, imageURL: body.imageURL
        )
        guard let product = try await products.update(sku: sku, changes, logger: context.logger) else {
            throw APIError(.notFound, "No such product.")
        }
        return ProductResponse(product, time: time)
    }

    @Sendable func deactivate(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.admin)
        let sku = try context.parameters.require("sku")
        guard try await products.update(sku: sku, ProductChanges(isActive: false), logger: context.logger) != nil else {
            throw APIError(.notFound, "No such product.")
        }
        return Response(status: .noContent)
    }

    // MARK: Helpers

    private func find(_ context: AppRequestContext) async throws -> Product {
        guard let product = try await products.find(sku: try context.parameters.require("sku"), logger: context.logger) else {
            throw APIError(.notFound, "No such product.")
        }
        return product
    }

    static func validate(
        name: String?, description: String?, category: String?, price: Decimal?, stock: Int?, imageURL: String?,
        into validator: inout InputValidator
    ) {
        validator.length(name, "name", 1...200)
        validator.length(description, "description", 0...2000)
        validator.length(category, "category", 1...100)
        validator.length(imageURL, "image_url", 0...1000)
        if let price { validator.check(price >= 0 && price < 10_000_000_000, "price", "must be from 0 to 9999999999.99") }
        if let stock { validator.check((0...1_000_000_000).contains(stock), "stock", "must be from 0 to 1000000000") }
    }
}
