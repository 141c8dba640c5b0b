import OrderJSON

/// A page of orders, written by ``JSONOutput`` as its `Encodable` form reads (no `total` or
/// `pages` on keyset pages, `next_cursor` only when another page may follow).
extension Paginated: JSONWritable where Item: JSONWritable {
    func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("items")
        out.beginArray()
        for item in items { item.write(to: &out) }
        out.endArray()
        if let total {
            out.key("total")
            out.int(total)
        }
        out.key("page")
        out.int(page)
        out.key("size")
        out.int(size)
        if let pages {
            out.key("pages")
            out.int(pages)
        }
        if let nextCursor {
            out.key("next_cursor")
            out.string(nextCursor)
        }
        out.endObject()
    }
}
