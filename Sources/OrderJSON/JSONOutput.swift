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
/// The bytes gather in an array and go into a `ByteBuffer` once, at the end: an order is some
/// 150 small writes (a comma, a quote, a key), and each write into a `ByteBuffer` checks its
/// storage's exclusive access at run time (callgrind counted 275 such writes per `get_order`).
public struct JSONOutput {
    private var bytes: [UInt8]
    /// The next value opens its container (no comma before it).
    private var first = true
    /// The next value follows a key (no comma before it either).
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// What was written (a copy: take it once).
    public var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    // MARK: Containers

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        first = true
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    /// An object's key; its value comes next.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: Values

    public mutating func null() {
        separate()
        append("null")
    }

    public mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
    }

    public mutating func int(_ value: Int) {
        separate()
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    public mutating func string(_ value: String?) {
        guard var text = value else { return null() }
        separate()
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8 { writeEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An amount as the API shows it (``Decimal/moneyString``), without a `String` in between.
    public mutating func money(_ value: Decimal) {
        quoted { out in value.withMoneyText { out.append(contentsOf: $0) } }
    }

    /// An instant as the API shows it (``DisplayTime/string(from:)``), without a `String` in between.
    public mutating func time(_ date: Date, _ display: DisplayTime) {
        quoted { out in display.withText(of: date) { out.append(contentsOf: $0) } }
    }

    /// A UUID as the API shows it: lower-case, hyphenated, without a `String` in between.
    public mutating func uuid(_ value: UUID) {
        quoted { out in value.forEachLowercasedByte { out.append($0) } }
    }

    // MARK: Internals

    /// A string value whose bytes `write` appends, none needing an escape (digits, hyphens, a
    /// point, a colon, letters).
    private mutating func quoted(_ write: (inout [UInt8]) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The comma between two values of one container (none after a key or at a container's start).
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if first {
            first = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    /// A string's bytes with JSON's escapes as `JSONEncoder` writes them: `\"`, `\\`, the short
    /// forms of backspace, form feed, newline, return and tab, `\u00XX` for the other control
    /// characters; everything else (slashes, non-ASCII) as it is.
    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if start < index { self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\r"): append("\\r")
            case UInt8(ascii: "\t"): append("\\t")
            default:
                let hex: StaticString = "0123456789abcdef"
                append("\\u00")
                hex.withUTF8Buffer { digits in
                    self.bytes.append(digits[Int(byte >> 4)])
                    self.bytes.append(digits[Int(byte & 0x0F)])
                }
            }
        }
        if start < bytes.count { self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])) }
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
}
