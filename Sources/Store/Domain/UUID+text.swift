import Foundation

extension UUID {
    /// The UUID as the API, Redis keys and links write it: lower-case hex, hyphenated. Written
    /// from its bytes: `uuidString.lowercased()` formats through `snprintf` and then lower-cases
    /// a copy (some 6,500 instructions, twice in every authenticated request).
    public var lowercasedString: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            writeLowercased(to: buffer.baseAddress!)
            return 36
        }
    }

    /// Writes the 36 bytes of ``lowercasedString`` at `out`, for a writer that has its own
    /// buffer: each group of bytes from one of the UUID's two words, its digits at their fixed
    /// place, a digit its nibble plus `0` or `a` - 10 (a loop over the bytes in a closure took
    /// 440 instructions a UUID; with constant counts these loops unroll).
    @inlinable public func writeLowercased(to out: UnsafeMutablePointer<UInt8>) {
        /// Writes `count` bytes of `word` from byte `first` (in memory order) as digits at `place`.
        @inline(__always) func put(_ word: UInt64, from first: Int, count: Int, at place: Int) {
            for index in 0..<count {
                let byte = UInt8(truncatingIfNeeded: word.littleEndian >> (8 * (first + index)))
                let high = byte >> 4
                let low = byte & 0x0F
                out[place + 2 * index] = high &+ (high < 10 ? UInt8(ascii: "0") : UInt8(ascii: "a") &- 10)
                out[place + 2 * index + 1] = low &+ (low < 10 ? UInt8(ascii: "0") : UInt8(ascii: "a") &- 10)
            }
        }
        let (front, back) = unsafeBitCast(uuid, to: (UInt64, UInt64).self)
        put(front, from: 0, count: 4, at: 0)
        out[8] = UInt8(ascii: "-")
        put(front, from: 4, count: 2, at: 9)
        out[13] = UInt8(ascii: "-")
        put(front, from: 6, count: 2, at: 14)
        out[18] = UInt8(ascii: "-")
        put(back, from: 0, count: 2, at: 19)
        out[23] = UInt8(ascii: "-")
        put(back, from: 2, count: 6, at: 24)
    }

    /// The UUID `text` spells in either case, hyphenated as `8-4-4-4-12` hex digits; nil for any
    /// other text, even what `UUID(uuidString:)` takes (its `sscanf` skips spaces and reads signs
    /// and `0x` inside the groups), and without that `sscanf` (some 8,000 instructions).
    public init?(parsing text: String) {
        self.init(parsing: text[...])
    }

    /// ``init(parsing:)`` of a part of a string.
    public init?(parsing text: Substring) {
        var text = text
        guard let value = text.withUTF8({ Self.parse($0) }) else { return nil }
        self.init(uuid: value)
    }

    /// The bytes of the UUID `text` spells; nil when it is not exactly that.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard text.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &value) { bytes in
            var nibbles = 0
            for position in 0..<36 {
                let character = text[position]
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                guard let nibble = nibble(character) else { return false }
                bytes[nibbles / 2] |= nibbles % 2 == 0 ? nibble << 4 : nibble
                nibbles += 1
            }
            return true
        }
        return valid ? value : nil
    }

    /// The value of one hex digit, either case.
    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
