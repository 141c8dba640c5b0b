/// A delivery a job is to make, as the ledger has it when the job runs.
public struct OwedDelivery: Sendable {
    public var delivery: Delivery
    /// An earlier event of the same order still waits for the same target: this one waits too.
    public var blocked: Bool
}
