import Foundation

extension Decimal {
    /// The value as `significand × 10^exponent` with a whole `UInt64` significand; nil when the
    /// significand is larger (or the value is NaN).
    ///
    /// Read from the value's own bytes, as swift-foundation lays them out (an `Int8` exponent, a
    /// byte of length and sign, two reserved, eight 16-bit words of significand, least first),
    /// once that reading has been checked against the public path on a few values
    /// (``bytesReadable``); otherwise, and on another layout, through `NSDecimalNumber`: `Decimal`
    /// offers no public integer view, and that object's allocation and release made up most of
    /// an amount written as text (600 of 1,000 instructions, 140 amounts in a page of orders).
    public var integerParts: (significand: UInt64, exponent: Int, negative: Bool)? {
        Self.bytesReadable ? partsFromBytes : partsFromNumber
    }

    /// Whether ``partsFromBytes`` reads this build's layout, checked once against
    /// ``partsFromNumber`` on values of every length the reading takes.
    static let bytesReadable: Bool = {
        guard MemoryLayout<Decimal>.size == 20 else { return false }
        let samples: [Decimal] = [
            0, 1, -1, Decimal(string: "1299.99")!, Decimal(string: "-0.005")!, Decimal(string: "1E+5")!,
            Decimal(UInt64(UInt32.max) + 7), Decimal(UInt64(1) << 40 + 3), -Decimal(UInt64(1) << 60 + 5),
            Decimal(string: "123456789012345678901234567890")!,
            Decimal.nan,
        ]
        return samples.allSatisfy { sample in
            switch (sample.partsFromBytes, sample.partsFromNumber) {
            case (nil, nil): true
            case (let bytes?, let number?): bytes == number
            default: false
            }
        }
    }()

    /// ``integerParts`` from the value's bytes.
    var partsFromBytes: (significand: UInt64, exponent: Int, negative: Bool)? {
        withUnsafeBytes(of: self) { raw in
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            // A length of 0 is zero, or NaN with the sign set.
            guard length <= 4, length > 0 || !negative else { return nil }
            guard length > 0 else { return (0, 0, false) }
            var significand: UInt64 = 0
            for word in stride(from: length - 1, through: 0, by: -1) {
                significand = significand << 16 | UInt64(raw.loadUnaligned(fromByteOffset: 4 + 2 * word, as: UInt16.self))
            }
            return (significand, Int(Int8(bitPattern: raw[0])), negative)
        }
    }

    /// ``integerParts`` through the public API.
    var partsFromNumber: (significand: UInt64, exponent: Int, negative: Bool)? {
        guard !isNaN else { return nil }
        if isZero { return (0, 0, false) }
        let significand = NSDecimalNumber(decimal: significand)
        // Well below 2^64 (a `Double`'s rounding cannot carry a larger value under it): the
        // digits fit a `UInt64`.
        guard significand.doubleValue < 1.8e19 else { return nil }
        return (significand.uint64Value, exponent, sign == .minus)
    }
}
