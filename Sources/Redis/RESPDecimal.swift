/// Whole numbers written as RESP writes them (ASCII decimal, a `-` before a negative one)
/// straight into a buffer: `String(value)` and a copy of its bytes cost more than the rest of
/// framing a command together.
enum RESPDecimal {
    /// The most bytes ``write(_:into:at:)`` writes (`Int.min`: a sign and 19 digits).
    static let maximumLength = 20

    /// Writes `value` at `start` in `buffer`, which has room for ``maximumLength`` bytes there;
    /// returns the index just past it.
    static func write(_ value: Int, into buffer: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        var index = start
        if value < 0 {
            buffer[index] = UInt8(ascii: "-")
            index += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let end = index + digits
        for position in stride(from: end - 1, through: index, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        return end
    }
}
