/// Work that did not finish within its deadline (a request's, or a worker's batch).
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public var after: Duration

    public init(after: Duration) {
        self.after = after
    }

    public var description: String { "DeadlineExceeded(after: \(after))" }
}
