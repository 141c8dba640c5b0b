import Foundation
import NIOCore
import ProcessSupport
import Store

/// JSON written straight into bytes, for the API's hot answers (an order, a page of orders):
/// what `JSONEncoder` produces for the same values (its escapes, no `\/`), without its tree of
/// boxed values, its dictionaries per object and its copy into `Data`.
///
/// The caller writes keys and values in order; the writer puts the commas and colons in.
/// Keys are written as given (they are ours, plain ASCII); values are escaped.
///
/// The bytes gather in memory of its own and go into a `ByteBuffer` once, at the end: an order
/// is some 150 small writes (a comma, a quote, a key), and each write into a `ByteBuffer` checks
/// its storage's exclusive access at run time, each append to an array its uniqueness. Each
/// write here makes room for all its bytes once, then stores them. Not copyable: it owns that
/// memory.
public struct JSONOutput: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// The next value opens its container (no comma before it).
    private var first = true
    /// The next value follows a key (no comma before it either).
    private var afterKey = false

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// What was written (a copy: take it once).
    public var buffer: ByteBuffer { ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count)) }

    // MARK: Containers

    public mutating func beginObject() {
        reserve(2)
        separate()
        put(UInt8(ascii: "{"))
        first = true
    }

    public mutating func endObject() {
        reserve(1)
        put(UInt8(ascii: "}"))
        first = false
    }

    public mutating func beginArray() {
        reserve(2)
        separate()
        put(UInt8(ascii: "["))
        first = true
    }

    public mutating func endArray() {
        reserve(1)
        put(UInt8(ascii: "]"))
        first = false
    }

    /// An object's key; its value comes next.
    public mutating func key(_ name: StaticString) {
        reserve(name.utf8CodeUnitCount + 4)
        separate()
        put(UInt8(ascii: "\""))
        name.withUTF8Buffer { put($0) }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: Values

    public mutating func null() {
        reserve(5)
        separate()
        put("null")
    }

    public mutating func bool(_ value: Bool) {
        reserve(6)
        separate()
        put(value ? "true" : "false")
    }

    public mutating func int(_ value: Int) {
        // A sign and 19 digits at most.
        reserve(21)
        separate()
        var magnitude = value.magnitude
        if value < 0 { put(UInt8(ascii: "-")) }
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        count += digits
        for index in stride(from: count - 1, through: count - digits, by: -1) {
            start[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        }
    }

    public mutating func string(_ value: String?) {
        guard var text = value else { return null() }
        text.withUTF8 { bytes in
            // Room for the text as it is; an escape makes room for itself.
            reserve(bytes.count + 3)
            separate()
            put(UInt8(ascii: "\""))
            writeEscaped(bytes)
            reserve(1)
            put(UInt8(ascii: "\""))
        }
    }

    /// An amount as the API shows it (``Decimal/moneyString``), without a `String` in between.
    public mutating func money(_ value: Decimal) {
        value.withMoneyText { quoted($0) }
    }

    /// An instant as the API shows it (``DisplayTime/string(from:)``), without a `String` in between.
    public mutating func time(_ date: Date, _ display: DisplayTime) {
        display.withText(of: date) { quoted($0) }
    }

    /// A UUID as the API shows it: lower-case, hyphenated, without a `String` in between.
    public mutating func uuid(_ value: UUID) {
        reserve(39)
        separate()
        put(UInt8(ascii: "\""))
        value.writeLowercased(to: start + count)
        count += 36
        put(UInt8(ascii: "\""))
    }

    // MARK: Internals

    /// A string value none of whose bytes needs an escape (digits, hyphens, a point, a colon,
    /// letters).
    private mutating func quoted(_ text: UnsafeBufferPointer<UInt8>) {
        reserve(text.count + 3)
        separate()
        put(UInt8(ascii: "\""))
        put(text)
        put(UInt8(ascii: "\""))
    }

    /// The comma between two values of one container (none after a key or at a container's
    /// start). Its byte is in the room the caller made.
    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if first {
            first = false
        } else {
            put(UInt8(ascii: ","))
        }
    }

    /// Makes room for `more` bytes past what was written.
    @inline(__always)
    private mutating func reserve(_ more: Int) {
        if count + more > capacity { grow(to: count + more) }
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, 2 * capacity)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = larger
    }

    /// One byte, in room already made.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        start[count] = byte
        count += 1
    }

    /// Bytes, in room already made.
    @inline(__always)
    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        (start + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Static text, in room already made.
    @inline(__always)
    private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    /// A string's bytes with JSON's escapes as `JSONEncoder` writes them: `\"`, `\\`, the short
    /// forms of backspace, form feed, newline, return and tab, `\u00XX` for the other control
    /// characters; everything else (slashes, non-ASCII) as it is. Room for the bytes themselves
    /// is made; each escape makes room for its longer form.
    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var from = 0
        var index = Self.nextEscape(in: bytes, from: 0)
        while index < bytes.count {
            let byte = bytes[index]
            if from < index { put(UnsafeBufferPointer(rebasing: bytes[from..<index])) }
            from = index + 1
            // Six bytes at most in place of one; the rest of the text still fits the room made.
            reserve(6 + bytes.count - from)
            switch byte {
            case UInt8(ascii: "\""): put("\\\"")
            case UInt8(ascii: "\\"): put("\\\\")
            case 0x08: put("\\b")
            case 0x0C: put("\\f")
            case UInt8(ascii: "\n"): put("\\n")
            case UInt8(ascii: "\r"): put("\\r")
            case UInt8(ascii: "\t"): put("\\t")
            default:
                let hex: StaticString = "0123456789abcdef"
                put("\\u00")
                hex.withUTF8Buffer { digits in
                    put(digits[Int(byte >> 4)])
                    put(digits[Int(byte & 0x0F)])
                }
            }
            index = Self.nextEscape(in: bytes, from: from)
        }
        if from < bytes.count { put(UnsafeBufferPointer(rebasing: bytes[from..<bytes.count])) }
    }

    /// The index of the first byte at or after `start` that needs an escape, or the count.
    /// Eight bytes at a time while none of them does (a word has a byte below 0x20 when
    /// subtracting 0x20 from each borrows into a byte whose top bit was clear; a quote or a
    /// backslash, the same for zero after an exclusive or): most text has no escape at all.
    private static func nextEscape(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let tops = ones &* 0x80
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
                let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
                let control = (word &- ones &* 0x20) & ~word
                let flagged = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & tops
                if flagged != 0 { break }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return index
    }
}
