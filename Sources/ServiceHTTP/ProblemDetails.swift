/// An RFC 9457 problem document, the body of every error response.
public struct ProblemDetails: Codable, Sendable, Equatable {
    /// One invalid input field, e.g. `items[0].quantity`.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var errors: [FieldError]?

    public init(type: String = "about:blank", title: String, status: Int, detail: String? = nil, errors: [FieldError]? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }
}
