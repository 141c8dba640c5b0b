import Synchronization

/// How many partitions every kind's queue has in this process (`JOB_PARTITIONS`): set once at
/// start, as `LoggingSystem.bootstrap` is, before any queue is made, because gateways and
/// workers must all agree on it and a queue is made in many places. Fixed at deploy: a job's
/// partition follows from it, so changing it strands what the old partitions hold until the
/// reconcilers enqueue it again from Postgres (docs/CAPACITY.md says how to change it).
public enum JobPartitions {
    /// The default: enough to spread a queue over the shards of a cluster of a few primaries,
    /// few enough that a claim that asks all of them stays one cheap round trip.
    public static let defaultCount = 16
    /// The most a deployment may set.
    public static let maximum = 1024

    private static let configured = Atomic<Int>(defaultCount)

    /// The count queues made without an explicit one use.
    public static var count: Int { configured.load(ordering: .relaxed) }

    /// Sets the count for this process; call it before making any queue.
    public static func bootstrap(_ count: Int) {
        precondition((1...maximum).contains(count), "JOB_PARTITIONS must be 1…\(maximum)")
        configured.store(count, ordering: .relaxed)
    }
}
