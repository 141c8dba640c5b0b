import Hummingbird
import OrderJSON
import ServiceHTTP

/// `page` (≥ 1, default 1) and `size` (1–100, default 20) from the query; anything else is 400.
struct Pagination: Sendable {
    var page: Int
    var size: Int

    init(page: Int, size: Int) {
        self.page = page
        self.size = size
    }

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        page = try Self.number(query["page"], name: "page", default: 1, range: 1...1_000_000)
        size = try Self.number(query["size"], name: "size", default: 20, range: 1...100)
    }

    private static func number(_ raw: Substring?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw APIError(.badRequest, "Query parameter \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}

/// One page of a list, as every list endpoint returns it. Keyset pages (`cursor=`) leave out
/// `total` and `pages`; `next_cursor` is there when another page may follow.
struct Paginated<Item: Encodable & Sendable>: Encodable, ResponseGenerator, Sendable {
    var items: [Item]
    var total: Int?
    var page: Int
    var size: Int
    var pages: Int?
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items, total, page, size, pages
        case nextCursor = "next_cursor"
    }

    init(items: [Item], total: Int?, pagination: Pagination, nextCursor: String? = nil) {
        self.items = items
        self.total = total
        self.page = pagination.page
        self.size = pagination.size
        self.pages = total.map { ($0 + pagination.size - 1) / pagination.size }
        self.nextCursor = nextCursor
    }

    /// Pages of orders are written by ``JSONOutput``; other pages by the context's encoder.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        guard let writable = self as? any JSONWritable else {
            return try context.responseEncoder.encode(self, from: request, context: context)
        }
        var out = JSONOutput(capacity: 1024 + 1536 * items.count)
        writable.write(to: &out)
        return out.response()
    }
}

extension Request {
    /// A boolean query parameter (`true`/`false`), 400 for anything else.
    func queryBool(_ name: String) throws -> Bool? {
        guard let raw = uri.queryParameters[Substring(name)] else { return nil }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError(.badRequest, "Query parameter \(name) must be true or false.")
        }
    }
}
