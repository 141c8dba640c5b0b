import Foundation

/// What one worker's claim loop knows of a kind's partitions: each one's earliest due time as
/// its last claim or a wake-up told it, so a claim asks only the partitions with something due
/// (idle partitions cost nothing) and the loop sleeps until the earliest of them. A partition
/// it knows nothing of (at the start, after a wait that no wake-up ended, every few seconds
/// in case a wake-up went to a worker that died) is asked again.
public struct ClaimCursor: Sendable {
    /// Per partition: its earliest due ms on Redis's clock, `nil` when it had nothing scheduled.
    var earliest: [Int?]
    /// Per partition: whether it must be asked (nothing known of it).
    var unknown: [Bool]
    /// Redis's clock minus this machine's, in ms, as of the last claim: an upper bound (Redis
    /// read its clock after the claim was sent), so the estimate of Redis's clock errs early. Late,
    /// it would trail by however long a loaded machine took to read the reply, and a partition
    /// whose job was just due would look idle until then.
    var clockOffset = 0
    /// When every partition was last asked.
    var lastFullScan: ContinuousClock.Instant?
    /// How often every partition is asked even when no wake-up says so.
    let fullScanEvery: Duration

    public init(partitions: Int, fullScanEvery: Duration = .seconds(2)) {
        earliest = Array(repeating: nil, count: partitions)
        unknown = Array(repeating: true, count: partitions)
        self.fullScanEvery = fullScanEvery
    }

    /// Forget what is known: the next claim asks every partition.
    public mutating func rescan() {
        for index in unknown.indices { unknown[index] = true }
    }

    /// A wake-up: `partition` has a job due at `dueMilliseconds` (perhaps earlier than known).
    mutating func woke(partition: Int, dueMilliseconds: Int) {
        guard earliest.indices.contains(partition) else { return rescan() }
        earliest[partition] = min(earliest[partition] ?? dueMilliseconds, dueMilliseconds)
    }

    /// Redis's clock now, as this machine estimates it.
    var now: Int { Self.localMilliseconds() + clockOffset }

    /// This machine's wall clock in ms (the clock Redis's `TIME` reads on the same machine).
    static func localMilliseconds() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

    /// The partitions to ask: those unknown (first, from a random one on, so none is always
    /// asked last) or with a job due by `horizon`, earliest first. A claim whose limit is short
    /// of the partitions it asks gives its shares in this order, so the jobs due soonest are the
    /// ones it takes (not later ones of other partitions, which would hold the slots meanwhile).
    mutating func partitionsToClaim(horizon: Int) -> [Int] {
        if lastFullScan.map({ .now - $0 >= fullScanEvery }) ?? true {
            rescan()
            lastFullScan = .now
        }
        let count = earliest.count
        let start = Int.random(in: 0..<count)
        let asked = (0..<count).map { ($0 + start) % count }.filter { unknown[$0] || (earliest[$0].map { $0 <= horizon } ?? false) }
        // Stable: unknown ones keep their random order, ahead of every known one.
        return asked.enumerated().sorted { a, b in
            let (x, y) = (
                unknown[a.element] ? Int.min : earliest[a.element] ?? Int.max, unknown[b.element] ? Int.min : earliest[b.element] ?? Int.max
            )
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }

    /// Whether a partition is still to be asked, or has a job due by `horizon`.
    func hasWork(horizon: Int) -> Bool {
        unknown.contains(true) || earliest.contains { $0.map { $0 <= horizon } ?? false }
    }

    /// What a claim of `partition` sent at `sentAt` (``localMilliseconds()``) said: its earliest
    /// due after it, or nil when empty, and Redis's clock as it ran.
    mutating func claimed(partition: Int, next: Int?, serverNow: Int, sentAt: Int) {
        earliest[partition] = next
        unknown[partition] = false
        clockOffset = serverNow - sentAt
    }

    /// The earliest due time known (now when a partition must be asked), in Redis ms.
    var nextDue: Int? {
        if unknown.contains(true) { return now }
        return earliest.compactMap { $0 }.min()
    }
}
