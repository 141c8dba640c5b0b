import Foundation

/// Who does something: a signed-in user and their role.
public struct Actor: Sendable, Equatable {
    public var id: UUID
    public var role: Role

    public init(id: UUID, role: Role) {
        self.id = id
        self.role = role
    }

    /// Staff see and move every order.
    public var isStaff: Bool { role.isStaff }
}
