import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A ``Database``'s connections, each in a postgres-nio pool of its own that holds it open (one
/// connection, a minimum of one), and the choice of one per lease.
///
/// postgres-nio 1.33.2's pool arms an idle timer every time it takes back a connection above its
/// minimum (three tasks and a `Task.sleep`, which libdispatch's timer threads serve: a wake-up of
/// another thread per statement), and a minimum above one traps it after a database restart
/// (docs/postgres-nio-pool-restart.md §1). A pool of one connection with a minimum of one does
/// neither. Lanes open as concurrent leases need them, on the event loop of the caller that first
/// needs each, and close once unused for the idle timeout (one sweep a second), down to the
/// minimum.
final class DatabaseLanes: Sendable {
    /// One connection's pool and what this side knows of it.
    struct Lane {
        var client: PostgresClient?
        var statements = PreparedStatements()
        var loop: (any EventLoop)?
        /// Finished to stop the lane's pool.
        var stop: AsyncStream<Never>.Continuation?
        /// Whether ``Database/run()`` runs its pool: postgres-nio warns of each lease before that.
        var isRunning = false
        var leases = 0
        var lastUsed = ContinuousClock.now
    }

    /// A lane's pool for ``Database/run()`` to run until its stop stream ends.
    struct Start: Sendable {
        let index: Int
        let client: PostgresClient
        let stop: AsyncStream<Never>
    }

    /// A lane lent to one lease; it stays open until the lease is returned.
    struct Lease: Sendable {
        let index: Int
        let client: PostgresClient
        let statements: PreparedStatements
        /// False for a lane opened for this lease, until ``DatabaseLanes/isRunning(_:)``.
        let isRunning: Bool
    }

    private struct State {
        var lanes: [Lane]
        var isShutDown = false
    }

    private let state: Mutex<State>
    private let configuration: PostgresClient.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let minimum: Int
    let idleTimeout: Duration
    /// The pools to run, in the order they were opened.
    let starts: AsyncStream<Start>
    private let started: AsyncStream<Start>.Continuation

    init(configuration: PostgresClient.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        var lane = configuration
        lane.options.maximumConnections = 1
        lane.options.minimumConnections = 1
        self.configuration = lane
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let count = max(1, configuration.options.maximumConnections)
        minimum = min(count, configuration.options.minimumConnections)
        idleTimeout = configuration.options.connectionIdleTimeout
        state = Mutex(State(lanes: (0..<count).map { _ in Lane() }))
        (starts, started) = AsyncStream.makeStream()
        state.withLock { state in
            for index in 0..<minimum { open(index, in: &state, on: eventLoopGroup.next()) }
        }
    }

    /// A lane for one lease: an idle one on the caller's event loop, else any idle one, else one
    /// not yet open, opened for it (as postgres-nio opens a connection for a lease that finds
    /// none idle), else the one with the fewest leases. Nil when every lane is still opening: the
    /// caller waits. Throws once the database has shut down.
    func lease() throws(DatabaseError) -> Lease? {
        try state.withLock { state throws(DatabaseError) in
            guard !state.isShutDown else { throw DatabaseError(code: .connection, source: "Database.shutDown") }
            var idle: Int?
            var unopened: Int?
            var least = (index: -1, leases: Int.max)
            for index in state.lanes.indices {
                let lane = state.lanes[index]
                guard let loop = lane.loop else {
                    if unopened == nil { unopened = index }
                    continue
                }
                guard lane.isRunning else { continue }
                if lane.leases == 0 {
                    if loop.inEventLoop {
                        idle = index
                        break
                    }
                    if idle == nil { idle = index }
                } else if lane.leases < least.leases {
                    least = (index, lane.leases)
                }
            }
            let index: Int
            if let idle {
                index = idle
            } else if let unopened {
                open(unopened, in: &state, on: currentEventLoop() ?? eventLoopGroup.next())
                index = unopened
            } else if least.index >= 0 {
                index = least.index
            } else {
                return nil
            }
            state.lanes[index].leases += 1
            let lane = state.lanes[index]
            // Set when opened, and a lane with leases is never closed.
            return Lease(index: index, client: lane.client!, statements: lane.statements, isRunning: lane.isRunning)
        }
    }

    /// Whether a lease's lane runs its pool yet.
    func isRunning(_ lease: Lease) -> Bool {
        state.withLock { $0.lanes[lease.index].isRunning }
    }

    /// Marks a lane's pool as run by ``Database/run()`` (just before its `run()`).
    func running(_ start: Start) {
        state.withLock { state in
            if state.lanes[start.index].client === start.client { state.lanes[start.index].isRunning = true }
        }
    }

    /// Takes back a lease's lane.
    func release(_ lease: Lease) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.lanes[lease.index].leases -= 1
            state.lanes[lease.index].lastUsed = now
        }
    }

    /// Closes each lane above the minimum that no lease used for the idle timeout, once a
    /// second, until cancelled.
    func closeIdleLanes() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let now = ContinuousClock.now
            state.withLock { state in
                for index in state.lanes.indices.dropFirst(minimum) {
                    let lane = state.lanes[index]
                    guard lane.client != nil, lane.leases == 0, now - lane.lastUsed >= idleTimeout else { continue }
                    lane.stop?.finish()
                    state.lanes[index] = Lane()
                }
            }
        }
    }

    /// Stops every lane; any later lease throws.
    func shutDown() {
        state.withLock { state in
            state.isShutDown = true
            for lane in state.lanes { lane.stop?.finish() }
        }
        started.finish()
    }

    /// How many connections have statements prepared, over every lane (for tests).
    var preparedConnectionCount: Int {
        state.withLock { state in state.lanes.reduce(0) { $0 + $1.statements.connectionCount } }
    }

    private func open(_ index: Int, in state: inout State, on loop: any EventLoop) {
        let client = PostgresClient(configuration: configuration, eventLoopGroup: loop, backgroundLogger: logger)
        let (stop, stopper) = AsyncStream<Never>.makeStream()
        state.lanes[index] = Lane(client: client, loop: loop, stop: stopper)
        started.yield(Start(index: index, client: client, stop: stop))
    }

    /// The caller's event loop when it is one of the group's.
    private func currentEventLoop() -> (any EventLoop)? {
        eventLoopGroup.makeIterator().first { $0.inEventLoop }
    }
}
