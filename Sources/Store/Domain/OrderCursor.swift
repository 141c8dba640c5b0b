import Foundation

/// Where a keyset page ends: the sort key and id of its last order, opaque to clients.
public struct OrderCursor: Sendable, Equatable, Codable {
    public var sort: String
    /// Microseconds since 1970 for the date sorts, a decimal string for the amount sorts.
    public var value: String
    public var id: UUID

    public init(sort: OrderQuery.Sort, value: String, id: UUID) {
        self.sort = sort.rawValue
        self.value = value
        self.id = id
    }

    /// URL-safe base64 of the cursor's JSON, unpadded. Every full page of a list carries one, so
    /// the JSON is written here: the object `JSONEncoder` writes for it, keys in a fixed order
    /// (its own follows a hash, different each run), and ``encodedByJSONEncoder`` when a field
    /// holds a byte it might escape; base64's three characters are swapped byte by byte, without
    /// Foundation's string replacing.
    public var token: String {
        let plain = { (byte: UInt8) in
            byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "/")
        }
        let json =
            sort.utf8.allSatisfy(plain) && value.utf8.allSatisfy(plain)
            ? Data(#"{"sort":"\#(sort)","value":"\#(value)","id":"\#(id.uuidString)"}"#.utf8) : encodedByJSONEncoder
        let base64 = json.base64EncodedData()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(base64.count)
        for byte in base64 {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The cursor's JSON as `JSONEncoder` writes it.
    var encodedByJSONEncoder: Data { (try? JSONEncoder().encode(self)) ?? Data() }

    /// Microseconds from 1970 to the end of year 9999.
    static let microsecondRange: ClosedRange<Int64> = 0...253_402_300_799_999_999

    /// Reads a token; nil when it is not one of ours.
    public init?(token: String) {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard token.count <= 512, let data = Data(base64Encoded: text),
            let cursor = try? JSONDecoder().decode(OrderCursor.self, from: data),
            OrderQuery.Sort(rawValue: cursor.sort) != nil
        else { return nil }
        switch OrderQuery.Sort(rawValue: cursor.sort)! {
        // Bounded to what the columns can hold, so a forged cursor is refused here rather than
        // overflowing Postgres's timestamp or numeric arithmetic.
        case .newest, .oldest:
            guard let micros = Int64(cursor.value), Self.microsecondRange.contains(micros) else { return nil }
        case .largest, .smallest:
            guard Money.parse(cursor.value) != nil else { return nil }
        }
        self = cursor
    }
}
