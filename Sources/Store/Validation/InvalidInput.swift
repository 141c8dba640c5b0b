/// Input that breaks the platform's rules, every offending field named (the API answers 422, the
/// console shows each message next to its field).
public struct InvalidInput: Error, Sendable, Equatable, CustomStringConvertible {
    /// One field and what is wrong with it, e.g. `items[0].quantity`, "must be between 1 and 1000".
    public struct Field: Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public init(field: String, message: String) {
        self.fields = [Field(field: field, message: message)]
    }

    public var description: String { "InvalidInput(" + fields.map(\.field).joined(separator: ", ") + ")" }
}
