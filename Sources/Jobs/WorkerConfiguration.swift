import ProcessSupport
import Store

/// The worker's own settings, on top of what it shares with the gateway.
struct WorkerConfiguration: Sendable {
    var platform: PlatformConfiguration
    /// Address of the worker's health and metrics endpoints.
    var host: String
    var port: Int
    /// The kinds of job this process runs (`JOB_KINDS`, a comma list; every kind by default).
    var kinds: [JobKind]
    /// Transitions applied at once by this process.
    var concurrency: Int
    /// How long a claimed job stays ours without a heartbeat; a killed worker's jobs return after it.
    var leaseSeconds: Int
    /// Attempts before a transition job goes to the dead set.
    var maxAttempts: Int
    /// How long before their due time orders are claimed, to be moved at it
    /// (`TRANSITION_CLAIM_AHEAD_MS`; 0 claims them once due).
    var transitionClaimAhead: Duration
    /// Lateness of the transitions past which this worker's other kinds give way
    /// (`TRANSITION_GIVE_WAY_MS`; nil, from 0: they never do).
    var transitionGiveWayAfter: Duration?

    init(settings: Settings) throws(ConfigurationError) {
        platform = try PlatformConfiguration(settings: settings)
        host = settings.string("WORKER_HOST", default: "127.0.0.1")
        port = try settings.int("WORKER_PORT", default: 9100, range: 0...65_535)
        kinds = try Self.kinds(settings.list("JOB_KINDS"))
        concurrency = try settings.int("CONCURRENCY", default: 128, range: 1...1024)
        leaseSeconds = try settings.int("JOB_LEASE_SECONDS", default: 5, range: 1...600)
        maxAttempts = try settings.int("JOB_MAX_ATTEMPTS", default: 5, range: 1...100)
        let claimAhead = try settings.int("TRANSITION_CLAIM_AHEAD_MS", default: 50, range: 0...1000)
        // A job claimed ahead waits under its lease before it starts: the lease must outlast the wait.
        guard claimAhead * 2 < leaseSeconds * 1000 else {
            throw ConfigurationError(
                key: "TRANSITION_CLAIM_AHEAD_MS", reason: "must be under half of JOB_LEASE_SECONDS (got \(claimAhead) ms)")
        }
        transitionClaimAhead = .milliseconds(claimAhead)
        let giveWayAfter = try settings.int("TRANSITION_GIVE_WAY_MS", default: 10, range: 0...60_000)
        transitionGiveWayAfter = giveWayAfter == 0 ? nil : .milliseconds(giveWayAfter)
    }

    /// The kinds a `JOB_KINDS` list names, every kind when it is empty.
    static func kinds(_ names: [String]) throws(ConfigurationError) -> [JobKind] {
        guard !names.isEmpty else { return JobKind.allCases }
        var kinds: [JobKind] = []
        for name in names {
            guard let kind = JobKind(rawValue: name.lowercased()) else {
                let known = JobKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(key: "JOB_KINDS", reason: "names an unknown kind \"\(name)\" (known: \(known))")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }
}
