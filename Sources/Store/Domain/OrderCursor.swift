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

    /// URL-safe base64 of the cursor's JSON.
    public var token: String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

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
