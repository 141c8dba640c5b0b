/// How full the queue is, for `/api/background/status` and the queue-depth gauges.
public struct QueueDepth: Sendable, Equatable {
    public var scheduled: Int
    public var due: Int
    public var inFlight: Int
    public var dead: Int
    /// How long the oldest due job has waited, 0 when none is due.
    public var oldestDueLagMilliseconds: Int

    /// The sum of several queues' depths; the lag is the largest.
    public static func total(_ depths: [QueueDepth]) -> QueueDepth {
        depths.reduce(QueueDepth(scheduled: 0, due: 0, inFlight: 0, dead: 0, oldestDueLagMilliseconds: 0)) {
            QueueDepth(
                scheduled: $0.scheduled + $1.scheduled, due: $0.due + $1.due, inFlight: $0.inFlight + $1.inFlight,
                dead: $0.dead + $1.dead, oldestDueLagMilliseconds: max($0.oldestDueLagMilliseconds, $1.oldestDueLagMilliseconds))
        }
    }
}
