import Foundation
import Testing

@testable import Gateway

/// The console's hand-written date formatting against Foundation's calendar.
@Suite("Console formatting")
struct ConsoleFormatTests {
    @Test(arguments: ["Asia/Kolkata", "America/New_York", "UTC", "Pacific/Chatham", "America/St_Johns", "Australia/Lord_Howe"])
    func datesMatchTheCalendarInEveryZone(_ zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var generator = SystemRandomNumberGenerator()
        // Random instants from 1900 to 2200, plus the edges of days and of leap years.
        let fixed: [TimeInterval] = [0, -1, 86_399, 86_400, 951_782_400, 4_107_542_399, -2_208_988_800]
        let instants = fixed + (0..<2_000).map { _ in TimeInterval(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator)) }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let got = ConsoleFormat.civil(date, offset: timeZone.secondsFromGMT(for: date))
            #expect(
                got.year == expected.year && got.month == expected.month && got.day == expected.day
                    && got.minutes == (expected.hour ?? 0) * 60 + (expected.minute ?? 0),
                "\(instant) in \(zone)"
            )
        }
    }

    @Test func timesShowTheirZoneAndMoneyItsCurrency() throws {
        let format = ConsoleFormat(timeZone: try #require(TimeZone(identifier: "Asia/Kolkata")), currency: "USD")
        #expect(format.time(Date(timeIntervalSince1970: 1_764_615_406)) == "2 Dec 2025, 00:26 GMT+5:30")
        #expect(ConsoleFormat.zoneLabel(-12_600) == "GMT-3:30" && ConsoleFormat.zoneLabel(0) == "GMT")
        #expect(format.money(Decimal(string: "1299.9")!) == "$1,299.90")
        #expect(format.money(Decimal(string: "1234567.05")!) == "$1,234,567.05")
        #expect(ConsoleFormat(timeZone: .gmt, currency: "CHF").money(5) == "CHF 5.00")
    }
}
