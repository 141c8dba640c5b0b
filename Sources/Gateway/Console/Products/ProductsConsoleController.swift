import Foundation
import Hummingbird
import Store

/// Staff's catalog pages: every product with its stock, and the forms that add and change them through the
/// API's catalog operations.
struct ProductsConsoleController: Sendable {
    let catalog: CatalogOperations
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/manage/products", use: manageProducts)
        router.get("/manage/products/new", use: newProductPage)
        router.post("/manage/products", use: createProduct)
        router.get("/manage/products/{sku}", use: editProductPage)
        router.post("/manage/products/{sku}", use: updateProduct)
    }

    /// A product as the catalog table lists it for staff.
    struct ProductRow: Sendable {
        var sku: String
        var name: String
        var category: String
        var price: String
        var stock: Int
        var lowStock: Bool
        var active: Bool
        var href: String
    }

    struct ManagePage: Sendable {
        var products: [ProductRow]
        var empty: Bool
        var search: String
        var paging: ConsolePaging
        var isAdmin: Bool
    }

    /// Every product, deleted ones too, for staff to keep.
    @Sendable func manageProducts(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try catalog.keepersOnly(user.actor)
        let parameters = request.uri.queryParameters
        let search = String((parameters["q"].map(String.init) ?? "").prefix(100))
        let page = max(1, min(1_000_000, Int(parameters["page"] ?? "") ?? 1))
        let list = try await catalog.manage(
            ProductQuery(search: search.isEmpty ? nil : search, page: page, size: 25), by: user.actor, logger: context.logger
        )
        let view = ManagePage(
            products: list.items.map {
                ProductRow(
                    sku: $0.sku, name: $0.name, category: $0.category, price: format.money($0.price), stock: $0.stock,
                    lowStock: $0.stock < 10, active: $0.isActive,
                    href: "/manage/products/" + ($0.sku.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.sku)
                )
            },
            empty: list.items.isEmpty, search: search,
            paging: ConsolePaging(page: page, size: 25, total: list.total, path: "/manage/products", query: [("q", search)]),
            isAdmin: user.isAdmin
        )
        return pages.render("products", title: "Catalog", section: "manage", page: view, context: context, request: request)
    }

    /// The product form, new or existing, with what was typed and what was wrong.
    struct ProductFormPage: Sendable {
        var isNew: Bool
        var action: String
        var sku: String
        var name: String
        var description: String
        var category: String
        var price: String
        var stock: String
        var imageURL: String
        var active: Bool
        var isAdmin: Bool
        var error: String?
        var problems: [String: String] = [:]
    }

    struct ProductForm: Decodable {
        var sku: String?
        var name: String
        var description: String?
        var category: String
        var price: String
        var stock: String?
        var imageURL: String?
        var active: String?

        enum CodingKeys: String, CodingKey {
            case sku, name, description, category, price, stock, active
            case imageURL = "image_url"
        }
    }

    @Sendable func newProductPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try catalog.keepersOnly(user.actor)
        let view = ProductFormPage(
            isNew: true, action: "/manage/products", sku: "", name: "", description: "", category: "", price: "", stock: "0", imageURL: "",
            active: true, isAdmin: user.isAdmin
        )
        return pages.render("product", title: "New product", section: "manage", page: view, context: context, request: request)
    }

    @Sendable func createProduct(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try catalog.keepersOnly(user.actor)
        let form = try await ConsoleForm.decode(ProductForm.self, request, context: context)
        do {
            let (price, stock) = try Self.numbers(form)
            let input = ProductInput(
                sku: (form.sku ?? "").trimmingCharacters(in: .whitespaces), name: form.name,
                description: ConsoleForm.optional(form.description),
                category: form.category, price: price, stock: stock, imageURL: ConsoleForm.optional(form.imageURL), isActive: nil
            )
            let product = try await catalog.create(input, by: user.actor, logger: context.logger)
            return pages.redirect(Self.productPath(product.sku), notice: "created")
        } catch let error as InvalidInput {
            return productAgain(form, isNew: true, user: user, problems: ConsoleForm.problems(error), request: request, context: context)
        } catch let error as StoreError where error.code == .duplicate {
            let problems = ConsoleForm.problems(pages.problems.answer(to: error))
            return productAgain(form, isNew: true, user: user, problems: problems, request: request, context: context)
        }
    }

    @Sendable func editProductPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try catalog.keepersOnly(user.actor)
        let product = try await catalog.product(
            try context.parameters.require("sku"), includeInactive: true, for: user.actor, logger: context.logger)
        let view = ProductFormPage(
            isNew: false, action: Self.productPath(product.sku), sku: product.sku, name: product.name,
            description: product.description ?? "",
            category: product.category, price: product.price.moneyString, stock: String(product.stock), imageURL: product.imageURL ?? "",
            active: product.isActive, isAdmin: user.isAdmin
        )
        return pages.render("product", title: product.name, section: "manage", page: view, context: context, request: request)
    }

    /// Saves a product's fields; only an admin's form carries (and may change) the active flag.
    @Sendable func updateProduct(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try catalog.keepersOnly(user.actor)
        let sku = try context.parameters.require("sku")
        var form = try await ConsoleForm.decode(ProductForm.self, request, context: context)
        form.sku = sku
        do {
            let (price, stock) = try Self.numbers(form)
            let changes = ProductChanges(
                name: form.name, description: .some(ConsoleForm.optional(form.description)), category: form.category, price: price,
                stock: stock,
                isActive: user.isAdmin ? form.active == "on" || form.active == "1" : nil,
                imageURL: .some(ConsoleForm.optional(form.imageURL))
            )
            _ = try await catalog.update(sku, changes, by: user.actor, logger: context.logger)
            return pages.redirect(Self.productPath(sku), notice: "saved")
        } catch let error as InvalidInput {
            return productAgain(form, isNew: false, user: user, problems: ConsoleForm.problems(error), request: request, context: context)
        }
    }

    static func productPath(_ sku: String) -> String {
        "/manage/products/" + (sku.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sku)
    }

    /// The form's price and stock as numbers, or the fields' problems.
    static func numbers(_ form: ProductForm) throws -> (Decimal, Int?) {
        var problems: [InvalidInput.Field] = []
        let price = MoneyInput.parse(form.price.trimmingCharacters(in: .whitespaces))
        if price == nil { problems.append(.init(field: "price", message: "must be an amount like 12.50")) }
        let stockText = (form.stock ?? "").trimmingCharacters(in: .whitespaces)
        let stock = stockText.isEmpty ? nil : Int(stockText)
        if !stockText.isEmpty, stock == nil { problems.append(.init(field: "stock", message: "must be a whole number")) }
        guard problems.isEmpty, let price else { throw InvalidInput(problems) }
        return (price, stock)
    }

    private func productAgain(
        _ form: ProductForm, isNew: Bool, user: ConsoleUser, problems: [String: String], request: Request, context: AppRequestContext
    ) -> Response {
        let sku = form.sku ?? ""
        let view = ProductFormPage(
            isNew: isNew, action: isNew ? "/manage/products" : Self.productPath(sku), sku: sku, name: form.name,
            description: form.description ?? "", category: form.category, price: form.price, stock: form.stock ?? "",
            imageURL: form.imageURL ?? "", active: form.active != nil, isAdmin: user.isAdmin, error: "Please correct the fields below.",
            problems: problems
        )
        return pages.render(
            "product", title: isNew ? "New product" : form.name, section: "manage", page: view, context: context, request: request,
            status: .unprocessableContent
        )
    }
}
