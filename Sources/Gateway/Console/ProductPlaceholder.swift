import Foundation

/// A tasteful picture for a product without one: the initials of its name on a gradient of its
/// category's own hue. Inline in the page as a `data:` URI, so a shop page of twelve products
/// still needs no request beyond the stylesheet and the script.
enum ProductPlaceholder {
    static func dataURI(name: String, category: String) -> String {
        let hue = category.unicodeScalars.reduce(UInt32(7)) { ($0 &* 31 &+ $1.value) % 360 }
        let initials = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).prefix(2).compactMap(\.first).map(String.init)
            .joined().uppercased()
        let svg =
            "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 400 300'>"
            + "<defs><linearGradient id='g' x1='0' y1='0' x2='1' y2='1'>"
            + "<stop offset='0' stop-color='hsl(\(hue),55%,62%)'/><stop offset='1' stop-color='hsl(\((hue + 40) % 360),60%,40%)'/>"
            + "</linearGradient></defs><rect width='400' height='300' fill='url(%23g)'/>"
            + "<circle cx='330' cy='60' r='90' fill='%23fff' opacity='.08'/><circle cx='60' cy='270' r='120' fill='%23fff' opacity='.06'/>"
            + "<text x='200' y='172' text-anchor='middle' font-family='system-ui,sans-serif' font-size='84' font-weight='700' "
            + "fill='%23fff' opacity='.92'>\(escaped(String(initials.prefix(2))))</text></svg>"
        return "data:image/svg+xml;charset=utf-8,"
            + svg.replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E")
            .replacingOccurrences(of: "\"", with: "%22")
    }

    /// Letters and digits are all initials can hold; anything else is dropped, not escaped.
    private static func escaped(_ text: String) -> String {
        let kept = text.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }
        return String(String.UnicodeScalarView(kept)).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
