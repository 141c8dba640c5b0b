import Metrics
import Synchronization

/// The other kinds of a worker give way while its punctual kind (transitions) runs late: their
/// claims shrink while its batches settle late, and grow back while they settle on time.
///
/// On a machine whose cores a backlog of deliveries keeps busy, an order falling due waits for
/// the CPU (the worker's thread, then its Postgres backend's) behind the deliveries and the
/// peers and backends serving them; only fewer deliveries at once leave it room. A delivery is
/// owed within seconds, a move within milliseconds.
final class GiveWay: Sendable {
    /// Lateness past which the punctual kind counts as late.
    let target: Duration
    /// The least share of their concurrency the others keep: they slow down, never stop.
    let floor: Double
    private let state = Mutex(State())
    /// The share of their concurrency the other kinds run with now (`jobs_give_way_share`, 1 when
    /// the punctual kind is on time).
    private let shareGauge = Gauge(label: "jobs_give_way_share")

    private struct State {
        var share = 1.0
        var cutAt: ContinuousClock.Instant?
        var grownAt: ContinuousClock.Instant?
    }

    init(target: Duration = .milliseconds(10), floor: Double = 1.0 / 16) {
        self.target = target
        self.floor = floor
    }

    /// A punctual batch settled `lateness` after its due time: a late one halves the others'
    /// share (once per 50 ms, so one slow moment is not counted many times over).
    func settled(lateness: Duration, now: ContinuousClock.Instant = .now) {
        guard lateness > target else { return }
        let share = state.withLock { state -> Double? in
            if let cutAt = state.cutAt, now - cutAt < .milliseconds(50) { return nil }
            state.share = max(floor, state.share / 2)
            state.cutAt = now
            state.grownAt = now
            return state.share
        }
        if let share { shareGauge.record(share) }
    }

    /// How many of `concurrency` jobs another kind may run now: its share grows back by a
    /// twentieth per 200 ms without a late batch.
    func allowance(of concurrency: Int, now: ContinuousClock.Instant = .now) -> Int {
        let (share, grew) = state.withLock { state in
            guard state.share < 1, let grownAt = state.grownAt else { return (state.share, false) }
            let steps = Int((now - grownAt) / .milliseconds(200))
            guard steps > 0 else { return (state.share, false) }
            state.share = min(1, state.share + 0.05 * Double(steps))
            state.grownAt = grownAt + .milliseconds(200) * steps
            return (state.share, true)
        }
        if grew { shareGauge.record(share) }
        return max(1, Int((Double(concurrency) * share).rounded(.up)))
    }
}
