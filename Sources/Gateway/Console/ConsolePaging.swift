/// Previous and next links of a paged list, keeping its other query parameters.
struct ConsolePaging: Sendable {
    var page: Int
    var pages: Int
    var previous: String?
    var next: String?
    var summary: String
    /// Stored, not computed: templates see stored properties only.
    var hasPages: Bool

    /// `query` is the list's own parameters (without `page`), already percent-encoded pairs.
    init(page: Int, size: Int, total: Int, path: String, query: [(String, String)]) {
        self.page = page
        self.pages = max(1, (total + size - 1) / size)
        self.hasPages = pages > 1
        func link(_ page: Int) -> String {
            let pairs = query.filter { !$0.1.isEmpty } + [("page", String(page))]
            return path + "?"
                + pairs.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }.joined(
                    separator: "&")
        }
        previous = page > 1 ? link(page - 1) : nil
        next = page < pages ? link(page + 1) : nil
        let first = total == 0 ? 0 : (page - 1) * size + 1
        summary = total == 0 ? "Nothing here yet" : "\(first)–\(min(total, page * size)) of \(total)"
    }
}
