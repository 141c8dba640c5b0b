/// Where a delivery stands in the ledger.
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    /// Owed: not yet attempted, or retried after a failure.
    case pending
    case delivered
    /// The last attempt failed; another is scheduled.
    case failed
    /// Every attempt failed (or the endpoint answered 410): waits for an admin's retry.
    case dead
}
