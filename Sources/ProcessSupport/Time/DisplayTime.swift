import Foundation

/// Renders instants as RFC 3339 with milliseconds in the configured display zone (`TIMEZONE`),
/// e.g. `2026-11-24T18:56:46.123+05:30`.
public struct DisplayTime: Sendable {
    let style: Date.ISO8601FormatStyle

    public init(timeZone: TimeZone) {
        self.style = Date.ISO8601FormatStyle(timeZone: timeZone)
            .year().month().day()
            .time(includingFractionalSeconds: true)
            .timeZone(separator: .colon)
    }

    public func string(from date: Date) -> String {
        date.formatted(style)
    }
}
