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

    /// Reads a token; nil when it is not one of ours.
    public init?(token: String) {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard token.count <= 512, let data = Data(base64Encoded: text),
            let cursor = try? JSONDecoder().decode(OrderCursor.self, from: data),
            OrderQuery.Sort(rawValue: cursor.sort) != nil
        else { return nil }
        switch OrderQuery.Sort(rawValue: cursor.sort)! {
        case .newest, .oldest: guard Int64(cursor.value) != nil else { return nil }
        case .largest, .smallest: guard Decimal(string: cursor.value) != nil, cursor.value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        }
        self = cursor
    }
}
