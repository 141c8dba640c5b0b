import Foundation

/// Renders instants as RFC 3339 with milliseconds in the configured display zone (`TIMEZONE`),
/// e.g. `2026-11-24T18:56:46.123+05:30`.
///
/// The text is what `Date.ISO8601FormatStyle` writes for the zone, computed by arithmetic: an
/// order carries four instants and a page of orders eighty, and the format style's calendar
/// work was a tenth of a list's CPU time. Years outside 1…9999 and offsets in seconds go through
/// the style.
public struct DisplayTime: Sendable {
    let style: Date.ISO8601FormatStyle
    let timeZone: TimeZone
    /// The zone's one offset since 1970 when it has not changed since (UTC, India): no lookup
    /// per instant from then on.
    let fixedOffset: Int?

    public init(timeZone: TimeZone) {
        self.style = Date.ISO8601FormatStyle(timeZone: timeZone)
            .year().month().day()
            .time(includingFractionalSeconds: true)
            .timeZone(separator: .colon)
        self.timeZone = timeZone
        let now = Date()
        let changes = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) != nil
        self.fixedOffset =
            changes || timeZone.secondsFromGMT(for: now) != timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))
            ? nil : timeZone.secondsFromGMT(for: now)
    }

    public func string(from date: Date) -> String {
        var text = ""
        withText(of: date) { text = String(decoding: $0, as: UTF8.self) }
        return text
    }

    /// ``string(from:)``'s bytes, lent from the stack: a writer that copies them (the JSON of an
    /// order) needs no `String` in between, which took an allocation per instant.
    public func withText(of date: Date, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        // Whole milliseconds, rounded down as the format style does.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let offset = milliseconds >= 0 ? fixedOffset ?? timeZone.secondsFromGMT(for: date) : timeZone.secondsFromGMT(for: date)
        // Offsets of whole seconds (local mean times before 1900-odd) have a form of their own.
        guard offset % 60 == 0 else { return styled(date, body) }
        let local = Self.floorDivide(milliseconds, 1000) + Int64(offset)
        let fraction = Int(milliseconds - Self.floorDivide(milliseconds, 1000) * 1000)
        let days = Self.floorDivide(local, 86_400)
        let second = Int(local - days * 86_400)
        let (year, month, day) = Self.civil(days: days)
        guard (1...9999).contains(year) else { return styled(date, body) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 29) { text in
            var at = 0
            // Every field is two digits wide (the year, within 1…9999, two of them; the
            // milliseconds one and two): written as such, without counting digits.
            @inline(__always) func two(_ value: Int) {
                let tens = value / 10
                text[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: tens)
                text[at + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value &- tens &* 10)
                at += 2
            }
            @inline(__always) func put(_ character: Unicode.Scalar) {
                text[at] = UInt8(ascii: character)
                at += 1
            }
            two(year / 100)
            two(year % 100)
            put("-")
            two(month)
            put("-")
            two(day)
            put("T")
            two(second / 3600)
            put(":")
            two(second / 60 % 60)
            put(":")
            two(second % 60)
            put(".")
            text[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / 100)
            at += 1
            two(fraction % 100)
            if offset == 0 {
                put("Z")
            } else {
                put(offset < 0 ? "-" : "+")
                two(abs(offset) / 3600)
                put(":")
                two(abs(offset) / 60 % 60)
            }
            body(UnsafeBufferPointer(rebasing: text[0..<at]))
        }
    }

    /// The format style's text of `date`, lent to `body`.
    private func styled(_ date: Date, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = date.formatted(style)
        text.withUTF8 { body($0) }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's
    /// `civil_from_days`); the console's dates use it too.
    public static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }
}
