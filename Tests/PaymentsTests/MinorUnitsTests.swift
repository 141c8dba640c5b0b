import Foundation
import Testing

@testable import Payments

/// Decimal amounts to the provider's integers and back, exactly, by each currency's places.
@Suite("Minor units")
struct MinorUnitsTests {
    @Test(
        arguments: [
            ("12.34", "USD", 1234), ("0.01", "usd", 1), ("9999999999.99", "EUR", 999_999_999_999), ("1200", "JPY", 1200),
            ("1.234", "KWD", 1234), ("5", "BHD", 5000), ("0", "USD", 0),
        ] as [(String, String, Int64)])
    func convertsExactly(_ text: String, _ currency: String, _ minor: Int64) throws {
        let amount = try #require(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
        #expect(MinorUnits.amount(amount, currency: currency) == minor)
        #expect(MinorUnits.decimal(minor, currency: currency) == amount)
    }

    @Test(arguments: [("12.5", "JPY"), ("0.001", "USD"), ("-1.00", "USD"), ("1.2345", "KWD")])
    func refusesPlacesTheCurrencyHasNot(_ text: String, _ currency: String) throws {
        let amount = try #require(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
        #expect(MinorUnits.amount(amount, currency: currency) == nil)
    }

    /// Every two-place amount survives the round trip (no binary floating point on the way).
    @Test func everyCentRoundTrips() {
        for cents in stride(from: Int64(0), through: 100_000, by: 7) {
            let amount = MinorUnits.decimal(cents, currency: "USD")
            #expect(MinorUnits.amount(amount, currency: "USD") == cents)
            #expect(amount == Decimal(cents) / 100)
        }
    }
}
