import Foundation
import ProcessSupport
import Store

/// How the console writes money, times and statuses for people: `$1,299.99`, `1 Dec 2026,
/// 18:56 GMT+5:30`, "Processing".
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

    /// Day, month, year and time in the display zone, with the zone shown: "1 Dec 2026, 18:56
    /// GMT+5:30". Written by hand from the zone's offset: Foundation's date styles and zone
    /// names go through ICU each time, which was a fifth of an order list's rendering.
    func time(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let (year, month, day, minutes) = Self.civil(date, offset: offset)
        return "\(day) \(Self.months[month - 1]) \(year), " + Self.twoDigits(minutes / 60) + ":" + Self.twoDigits(minutes % 60) + " "
            + Self.zoneLabel(offset)
    }

    /// The date alone, in the display zone: "1 Dec 2026".
    func day(_ date: Date) -> String {
        let (year, month, day, _) = Self.civil(date, offset: timeZone.secondsFromGMT(for: date))
        return "\(day) \(Self.months[month - 1]) \(year)"
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// "GMT", "GMT+5:30", "GMT-3".
    static func zoneLabel(_ offset: Int) -> String {
        if offset == 0 { return "GMT" }
        let hours = abs(offset) / 3600
        let minutes = abs(offset) % 3600 / 60
        return "GMT" + (offset < 0 ? "-" : "+") + "\(hours)" + (minutes == 0 ? "" : ":" + twoDigits(minutes))
    }

    /// Year, month (1–12), day and minute of the day of `date` shifted by `offset` seconds
    /// (days from the civil calendar's algorithm: proleptic Gregorian, as ISO 8601 counts).
    static func civil(_ date: Date, offset: Int) -> (year: Int, month: Int, day: Int, minutes: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let minutes = (seconds - days * 86_400) / 60
        let (year, month, day) = DisplayTime.civil(days: Int64(days))
        return (year, month, day, minutes)
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
