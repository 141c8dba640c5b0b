import Foundation

/// Amounts as the payment provider counts them: integers of the currency's smallest unit
/// (cents for USD, yen for JPY, fils for KWD), converted exactly from and to the platform's
/// decimal amounts. An amount with more places than its currency has is refused, never rounded.
public enum MinorUnits {
    /// ISO 4217 currencies whose minor unit is not a hundredth (Stripe's lists of zero-decimal
    /// and three-decimal currencies); every other currency has two places.
    static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0,
        "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
    ]

    /// The number of decimal places of `currency` (an ISO 4217 code, any letter case).
    public static func exponent(of currency: String) -> Int {
        exponents[currency.uppercased()] ?? 2
    }

    /// `amount` in minor units of `currency`: `12.34` USD is 1234, `1200` JPY is 1200. Nil when
    /// `amount` is negative, has places its currency does not (`12.5` JPY), or is too large.
    public static func amount(_ amount: Decimal, currency: String) -> Int64? {
        guard amount >= 0, !amount.isNaN else { return nil }
        var scaled = amount
        var power = Decimal(1)
        for _ in 0..<exponent(of: currency) { power *= 10 }
        scaled *= power
        var whole = Decimal()
        NSDecimalRound(&whole, &scaled, 0, .down)
        // Exact or nothing: a fraction left after scaling is a place the currency does not have.
        guard whole == scaled, whole <= Decimal(Int64.max / 10) else { return nil }
        return Int64(truncating: NSDecimalNumber(decimal: whole))
    }

    /// `minor` units of `currency` as a decimal amount: 1234 USD is `12.34`.
    public static func decimal(_ minor: Int64, currency: String) -> Decimal {
        Decimal(sign: minor < 0 ? .minus : .plus, exponent: -exponent(of: currency), significand: Decimal(minor.magnitude))
    }
}
