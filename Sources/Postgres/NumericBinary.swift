import Foundation
import NIOCore

/// `numeric`'s binary form (digit count, weight, sign, display scale, then base-10,000 digits)
/// read into and written from a `Decimal` by arithmetic, for the values money takes (at most 16
/// digits, or 19 on the way out): postgres-nio goes through the number's text both ways, which
/// cost a tenth of a page of orders' CPU time on the way in and 18,000 instructions per amount
/// bound on the way out. Other values take postgres-nio's path.
enum NumericBinary {
    /// The value of `numeric` when its digits fit a `UInt64`; nil otherwise (NaN and
    /// infinities too). Read from the bytes in place: `ByteBuffer`'s checked reads, one per word,
    /// cost two thirds of it.
    static func decimal(_ numeric: ByteBuffer) -> Decimal? {
        numeric.withUnsafeReadableBytes { decimal($0) }
    }

    /// ``decimal(_:)`` of bytes in place (a field of a record).
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Decimal? {
        let parts: (significand: UInt64, exponent: Int, negative: Bool)? = {
            func word(_ index: Int) -> Int { Int(bytes[2 * index]) << 8 | Int(bytes[2 * index + 1]) }
            guard bytes.count >= 8 else { return nil }
            let count = word(0)
            let weight = Int(Int16(truncatingIfNeeded: word(1)))
            let sign = word(2)
            guard count <= 4, sign == 0 || sign == 0x4000, bytes.count == 8 + 2 * count else { return nil }
            var significand: UInt64 = 0
            for index in 0..<count {
                let digit = word(4 + index)
                guard digit < 10_000 else { return nil }
                significand = significand * 10_000 + UInt64(digit)
            }
            return (significand, 4 * (weight - count + 1), sign == 0x4000)
        }()
        guard let parts else { return nil }
        guard parts.significand != 0 else { return Decimal(0) }
        return Decimal(sign: parts.negative ? .minus : .plus, exponent: parts.exponent, significand: Decimal(parts.significand))
    }

    /// Writes `value` in the binary form and returns true when its significand fits a `UInt64`
    /// and its exponent is within ±18; false, writing nothing, otherwise (NaN too).
    static func write(_ value: Decimal, into buffer: inout ByteBuffer) -> Bool {
        // Significand, exponent and sign from one reading of the value.
        guard let parts = value.integerParts, (-18...18).contains(parts.exponent) else { return false }
        var digits = parts.significand
        var scale = 0
        if parts.exponent >= 0 {
            for _ in 0..<parts.exponent {
                let (next, overflow) = digits.multipliedReportingOverflow(by: 10)
                guard !overflow else { return false }
                digits = next
            }
        } else {
            scale = -parts.exponent
            // Base-10,000 digits line up with the point: the fraction padded to whole groups of 4.
            for _ in 0..<((4 - scale % 4) % 4) {
                let (next, overflow) = digits.multipliedReportingOverflow(by: 10)
                guard !overflow else { return false }
                digits = next
            }
        }
        var groups: [UInt16] = []  // least significant first
        while digits > 0 {
            groups.append(UInt16(digits % 10_000))
            digits /= 10_000
        }
        let fractionGroups = (scale + 3) / 4
        let weight = groups.isEmpty ? 0 : groups.count - fractionGroups - 1
        buffer.writeInteger(Int16(groups.count))
        buffer.writeInteger(Int16(weight))
        buffer.writeInteger(UInt16(parts.negative && !groups.isEmpty ? 0x4000 : 0))
        buffer.writeInteger(Int16(scale))
        for group in groups.reversed() { buffer.writeInteger(group) }
        return true
    }
}
