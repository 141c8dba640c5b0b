import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/products`: HTTP in front of ``CatalogOperations`` (the public catalog, and its upkeep
/// by vendors and admins).
struct ProductsController: Sendable {
    let catalog: CatalogOperations
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
        let page = try await catalog.list(
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
        let categories = try await catalog.categories(logger: context.logger).map { CategoryResponse(name: $0.name, count: $0.count) }
        return try context.responseEncoder.encode(categories, from: request, context: context)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> ProductResponse {
        let includeInactive = try request.queryBool("include_inactive") ?? false
        let product = try await catalog.product(
            try context.parameters.require("sku"), includeInactive: includeInactive, for: context.identity?.actor, logger: context.logger
        )
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
        let actor = try context.requireIdentity().actor
        try catalog.keepersOnly(actor)
        let body = try await request.decodeJSON(CreateRequest.self, context: context)
        let input = ProductInput(
            sku: body.sku, name: body.name, description: body.description, category: body.category, price: body.price.value,
            stock: body.stock, imageURL: body.imageURL, isActive: body.isActive
        )
        return EditedResponse(
            status: .created, response: ProductResponse(try await catalog.create(input, by: actor, logger: context.logger), time: time))
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
        let actor = try context.requireIdentity().actor
        try catalog.keepersOnly(actor)
        let sku = try context.parameters.require("sku")
        let body = try await request.decodeJSON(UpdateRequest.self, context: context)
        let changes = ProductChanges(
            name: body.name, description: body.description, category: body.category, price: body.price?.value,
            stock: body.stock, isActive: body.isActive, imageURL: body.imageURL
        )
        return ProductResponse(try await catalog.update(sku, changes, by: actor, logger: context.logger), time: time)
    }

    @Sendable func deactivate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.requireIdentity().actor
        try await catalog.deactivate(try context.parameters.require("sku"), by: actor, logger: context.logger)
        return Response(status: .noContent)
    }
}
