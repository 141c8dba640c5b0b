import Redis

/// The job queue's Lua scripts (`JobQueue/Scripts/job-*.lua`). Each touches the keys of one
/// partition (one hash tag, one cluster slot: ``JobPartitionKeys``), all declared, and reads
/// Redis's clock, so workers' clocks never matter. Each script's keys and arguments are in its
/// file's header.
///
/// Keys: scheduled (zset member → due ms), inflight (zset member → lease expiry ms), dead (zset
/// member → when it died), fence (counter), and a hash per attribute keyed by member: owner,
/// fencing token, attempts, due time, first enqueue time, last error. A script that can make a
/// job its partition's earliest says so in its reply; the caller then wakes a worker
/// (``JobQueueKeys/wakeups`` is on the kind's tag, not the partition's).
enum JobScripts {
    /// Adds a job unless it is scheduled, running or dead: 0, 1 added, 2 added as the earliest.
    static let enqueue = BundledScripts.load("job-enqueue")

    /// Moves up to a batch of due jobs in flight: {now, next due or -1, epoch present, member,
    /// token, attempts, due, …}.
    static let claim = BundledScripts.load("job-claim")

    /// Finishes a job; 0 for a stale token.
    static let ack = BundledScripts.load("job-ack")

    /// Records one sample of the kind's lag and done counter per bucket.
    static let history = BundledScripts.load("job-history")

    /// Extends the lease of a job still owned.
    static let extend = BundledScripts.load("job-extend")

    /// Reschedules a failed job after a delay, or makes it dead: {1 retried | 2 dead | 0 stale,
    /// its due when now the earliest or -1}.
    static let retry = BundledScripts.load("job-retry")

    /// Puts a claimed job back to run later, not an attempt: 0 stale, 1, 2 as the earliest.
    static let reschedule = BundledScripts.load("job-reschedule")

    /// Marks a partition whole after a reconciler pass unless Redis lost the pass's token.
    static let finishPass = BundledScripts.load("job-pass-finish")

    /// Hands a claimed job back at once, not counting the attempt: 0 stale, 1, 2 as the earliest.
    static let release = BundledScripts.load("job-release")

    /// Hands back the jobs an earlier process of the same worker instance left leased.
    static let releaseAbandoned = BundledScripts.load("job-release-abandoned")

    /// Returns expired leases to the schedule, or to dead past the attempts: {recovered, dead}.
    static let reap = BundledScripts.load("job-reap")

    /// Puts a dead job back, due now.
    static let resurrect = BundledScripts.load("job-resurrect")

    /// A partition's sizes and earliest due time on Redis's clock.
    static let depth = BundledScripts.load("job-depth")

    /// Takes in a job kept in the layout before partitions.
    static let adopt = BundledScripts.load("job-adopt")
}
