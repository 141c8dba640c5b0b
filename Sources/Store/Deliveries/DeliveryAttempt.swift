import Foundation

/// What one attempt at a delivery came to, for the ledger.
public struct DeliveryAttempt: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case delivered
        /// Failed; `final` when no attempt follows (the job goes dead).
        case failed(final: Bool)
    }

    public var result: Result
    public var responseStatus: Int?
    public var durationMilliseconds: Int?
    public var error: String?
    public var responseExcerpt: String?

    public init(
        result: Result, responseStatus: Int? = nil, durationMilliseconds: Int? = nil, error: String? = nil, responseExcerpt: String? = nil
    ) {
        self.result = result
        self.responseStatus = responseStatus
        self.durationMilliseconds = durationMilliseconds
        self.error = error
        self.responseExcerpt = responseExcerpt
    }
}
