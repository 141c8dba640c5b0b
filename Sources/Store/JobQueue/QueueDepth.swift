/// How full the queue is, for `/api/background/status` and the queue-depth gauges.
public struct QueueDepth: Sendable, Equatable {
    public var scheduled: Int
    public var due: Int
    public var inFlight: Int
    public var dead: Int
    /// How long the oldest due job has waited, 0 when none is due.
    public var oldestDueLagMilliseconds: Int
}
