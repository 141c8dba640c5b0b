/// A choice of a `<select>`.
struct ConsoleOption: Sendable {
    var value: String
    var label: String
    var selected: Bool
}
