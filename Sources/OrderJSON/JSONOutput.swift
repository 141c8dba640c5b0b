import Foundation
import NIOCore

/// JSON written straight into a `ByteBuffer`, for the API's hot answers (an order, a page of
/// orders): what `JSONEncoder` produces for the same values (its escapes, no `\/`), without its
/// tree of boxed values, its dictionaries per object and its copy into `Data`.
///
/// The caller writes keys and values in order; the writer puts the commas and colons in.
/// Keys are written as given (they are ours, plain ASCII); values are escaped.
public struct JSONOutput {
    public private(set) var buffer: ByteBuffer
    /// The next value opens its container (no comma before it).
    private var first = true
    /// The next value follows a key (no comma before it either).
    private var afterKey = false

    public init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    // MARK: Containers

    public mutating func beginObject() {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        first = true
    }

    public mutating func endObject() {
        buffer.writeInteger(UInt8(ascii: "}"))
        first = false
    }

    public mutating func beginArray() {
        separate()
        buffer.writeInteger(UInt8(ascii: "["))
        first = true
    }

    public mutating func endArray() {
        buffer.writeInteger(UInt8(ascii: "]"))
        first = false
    }

    /// An object's key; its value comes next.
    public mutating func key(_ name: StaticString) {
        separate()
        // One copy into the buffer for quote, name, quote and colon: every member writes a key.
        name.withUTF8Buffer { bytes in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count + 3) { out in
                out[0] = UInt8(ascii: "\"")
                UnsafeMutableRawBufferPointer(rebasing: out[1..<(bytes.count + 1)]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                out[bytes.count + 1] = UInt8(ascii: "\"")
                out[bytes.count + 2] = UInt8(ascii: ":")
                return bytes.count + 3
            }
        }
        afterKey = true
    }

    // MARK: Values

    public mutating func null() {
        separate()
        buffer.writeStaticString("null")
    }

    public mutating func bool(_ value: Bool) {
        separate()
        buffer.writeStaticString(value ? "true" : "false")
    }

    public mutating func int(_ value: Int) {
        separate()
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.writeString(String(value))
        }
    }

    public mutating func string(_ value: String?) {
        guard var text = value else { return null() }
        separate()
        buffer.writeInteger(UInt8(ascii: "\""))
        text.withUTF8 { writeEscaped($0) }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// A UUID as the API shows it: lower-case, hyphenated, without a `String` in between.
    public mutating func uuid(_ value: UUID) {
        separate()
        let digits: StaticString = "0123456789abcdef"
        withUnsafeBytes(of: value.uuid) { raw in
            digits.withUTF8Buffer { hex in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 38) { out in
                    out[0] = UInt8(ascii: "\"")
                    var at = 1
                    for (index, byte) in raw.enumerated() {
                        if index == 4 || index == 6 || index == 8 || index == 10 {
                            out[at] = UInt8(ascii: "-")
                            at += 1
                        }
                        out[at] = hex[Int(byte >> 4)]
                        out[at + 1] = hex[Int(byte & 0x0F)]
                        at += 2
                    }
                    out[at] = UInt8(ascii: "\"")
                    return at + 1
                }
            }
        }
    }

    // MARK: Internals

    /// The comma between two values of one container (none after a key or at a container's start).
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if first {
            first = false
        } else {
            buffer.writeInteger(UInt8(ascii: ","))
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
            if start < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<index])) }
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case 0x08: buffer.writeStaticString("\\b")
            case 0x0C: buffer.writeStaticString("\\f")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            default:
                let hex: StaticString = "0123456789abcdef"
                buffer.writeStaticString("\\u00")
                hex.withUTF8Buffer { digits in
                    buffer.writeInteger(digits[Int(byte >> 4)])
                    buffer.writeInteger(digits[Int(byte & 0x0F)])
                }
            }
        }
        if start < bytes.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])) }
    }
}
