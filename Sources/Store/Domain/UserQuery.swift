/// Filters and paging for the admin's user list.
public struct UserQuery: Sendable, Equatable {
    public var role: Role?
    /// Matched against username, email and full name, case-insensitively.
    public var search: String?
    public var isActive: Bool?
    public var page: Int
    public var size: Int

    public init(role: Role? = nil, search: String? = nil, isActive: Bool? = nil, page: Int = 1, size: Int = 20) {
        self.role = role
        self.search = search
        self.isActive = isActive
        self.page = page
        self.size = size
    }
}
