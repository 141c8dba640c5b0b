/// A store operation refused for a reason the client can act on (the `PSQLError` pattern: a
/// stable `code`, plus which field or what detail).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        /// A unique value is taken (`field` says which).
        public static let duplicate = Code(base: "duplicate")
        public static let notFound = Code(base: "notFound")
        /// The change would leave no active admin.
        public static let lastAdmin = Code(base: "lastAdmin")
        /// The thing is not in a state that allows this (a delivery retried that did not fail).
        public static let conflict = Code(base: "conflict")
        public var description: String { base }
    }

    public var code: Code
    public var field: String?
    public var detail: String?

    public init(_ code: Code, field: String? = nil, detail: String? = nil) {
        self.code = code
        self.field = field
        self.detail = detail
    }

    public var description: String { "StoreError(\(code)\(field.map { ", field: \($0)" } ?? ""))" }
}
