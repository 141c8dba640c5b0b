import Foundation
import Store

/// How the console writes money, times and statuses for people: `$1,299.99`, `1 Dec 2026,
/// 18:56 IST`, "Processing".
struct ConsoleFormat: Sendable {
    let timeZone: TimeZone
    let currency: String

    static let symbols = ["USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥", "AUD": "A$", "CAD": "C$"]

    /// The amount with its currency's symbol (or code) and grouped thousands.
    func money(_ amount: Decimal) -> String {
        let text = amount.moneyString
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let symbol = Self.symbols[currency] ?? currency + " "
        return (negative ? "−" : "") + symbol + whole + grouped + "." + (parts.count > 1 ? parts[1] : "00")
    }

    /// Day, month, year and time in the display zone, with the zone shown.
    func time(_ date: Date) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened, timeZone: timeZone)
        style.locale = Locale(identifier: "en_GB")
        return date.formatted(style) + " " + (timeZone.abbreviation(for: date) ?? timeZone.identifier)
    }

    /// The date alone, in the display zone.
    func day(_ date: Date) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted, timeZone: timeZone)
        style.locale = Locale(identifier: "en_GB")
        return date.formatted(style)
    }

    /// "1 Dec", for a chart's axis.
    func shortDay(_ date: Date) -> String {
        var style = Date.FormatStyle(timeZone: timeZone).day().month(.abbreviated)
        style.locale = Locale(identifier: "en_GB")
        return date.formatted(style)
    }

    /// "18:56:05", for a chart's axis.
    func clock(_ date: Date) -> String {
        var style = Date.FormatStyle(timeZone: timeZone).hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits)
        style.locale = Locale(identifier: "en_GB")
        return date.formatted(style)
    }

    /// An RFC 3339 instant for the browser (countdowns, `<time datetime>`).
    func machine(_ date: Date) -> String { date.formatted(.iso8601) }

    static func label(_ status: OrderStatus) -> String { status.rawValue.capitalized }

    /// A short, unique, readable name for an order (its id's last 8 hex digits).
    static func reference(_ id: UUID) -> String { "#" + id.uuidString.suffix(8).lowercased() }
}
