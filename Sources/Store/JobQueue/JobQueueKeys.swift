import Redis

/// The Redis keys of one kind's queue. The jobs live in `partitions` partitions, each under a
/// hash tag of its own (`jobs:{<kind>:<p>}:…`, so a cluster spreads them over its shards and
/// every script touches one partition, one slot); the kind's wake-ups, done counter, history
/// and reconciler locks share the kind's tag (`jobs:{<kind>}:…`).
public struct JobQueueKeys: Sendable, Equatable {
    public let kind: JobKind
    /// How many partitions the kind's jobs are spread over (`JOB_PARTITIONS`).
    public let partitions: Int
    /// partition → the earliest due ms it was told of: a sleeping worker pops it
    /// (`BZPOPMIN`) when a job becomes the earliest of its partition.
    public let wakeups: String
    /// Jobs finished since the counter began (charted by the operations page).
    public let done: String
    /// Samples of the queue over the last minutes: bucket → "lag ms,done counter".
    public let history: String
    /// The lease of the kind's periodic reconciler pass.
    public let reconcilerLock: String

    /// Every partition's keys, in order (made once: a claim or an ack would otherwise build
    /// their names again for every job).
    public let all: [JobPartitionKeys]

    public init(kind: JobKind, partitions: Int) {
        precondition(partitions >= 1, "a queue has at least one partition")
        self.kind = kind
        self.partitions = partitions
        all = (0..<partitions).map { JobPartitionKeys(kind: kind, index: $0) }
        let prefix = "jobs:{\(kind.rawValue)}:"
        wakeups = prefix + "wakeups"
        done = prefix + "done"
        history = prefix + "history"
        reconcilerLock = prefix + "reconciler"
    }

    /// The keys of partition `index`.
    public func partition(_ index: Int) -> JobPartitionKeys { all[index] }

    /// The keys of the partition `member` lives in.
    public func partition(of member: String) -> JobPartitionKeys { partition(Self.partition(of: member, among: partitions)) }

    /// The partition of a member: its leading id's last four hex digits (the random end of a
    /// UUID, of the order for a transition, of the delivery or payment otherwise) modulo the
    /// count, which SQL and shell scripts can compute too; CRC16 of the member for any other.
    public static func partition(of member: String, among count: Int) -> Int {
        let id = member.utf8.prefix { $0 != UInt8(ascii: ":") }
        if id.count == 36, let tail = Int(String(decoding: id.suffix(4), as: UTF8.self), radix: 16) {
            return tail % count
        }
        return RedisSlot.of(member) % count
    }
}
