/// What a user may do: customers order, vendors (shop staff) move orders, admins manage everything.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case customer, vendor, admin

    /// Staff see and move every order.
    public var isStaff: Bool { self != .customer }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
