import Foundation

extension String {
    /// The text with `&`, `<`, `>` and `"` escaped for XML.
    var addingXMLEscapes: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
