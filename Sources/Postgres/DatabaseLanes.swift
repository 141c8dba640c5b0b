import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A ``Database``'s connections, each in a postgres-nio pool of its own that holds it open (one
/// connection, a minimum of one), and the choice of one per lease.
///
/// Each lane leases its pool's connection once and holds it while it is open (``hold(_:)``),
/// lending it to one ``Database`` lease at a time: a statement then costs no lease of
/// postgres-nio's pool (its request, continuation and state machine, and the timers it arms when
/// it takes a connection back). When the connection closes (a database restart) the lane holds
/// the one its pool opens next; meanwhile leases wait for a lane that has one. A held connection
/// is never idle in its pool, so the pool's keep-alive never runs: the lanes' sweep runs it
/// instead, on a lane unused for its interval.
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
        /// The pool's connection while ``hold(_:)`` holds it open; nil while it (re)connects.
        var connection: PostgresConnection?
        /// Whether a lease holds the lane: a lane serves one lease at a time.
        var isLeased = false
        /// When a lease last gave the lane back: the idle timeout counts from here.
        var lastUsed = ContinuousClock.now
        /// When the keep-alive last ran: it runs again one interval after this or `lastUsed`.
        var lastKeptAlive = ContinuousClock.now
    }

    /// A lane's pool for ``Database/run()`` to run until its stop stream ends.
    struct Start: Sendable {
        let index: Int
        let client: PostgresClient
        let stop: AsyncStream<Never>
    }

    /// A lane's connection lent to one lease; the lane stays open until the lease is returned.
    struct Lease: Sendable {
        let index: Int
        let connection: PostgresConnection
        let statements: PreparedStatements
    }

    /// A lease waiting for a lane to be taken back, first come first served.
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var lanes: [Lane]
        var isShutDown = false
        var waiters: [Waiter] = []
        var lastWaiter: UInt64 = 0
    }

    private let state: Mutex<State>
    private let configuration: PostgresClient.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let minimum: Int
    let idleTimeout: Duration
    /// The configuration's keep-alive (postgres-nio's default: `SELECT 1;` every 30 s), run by
    /// the sweep; nil when off.
    let keepAlive: PostgresClient.Configuration.Options.KeepAliveBehavior?
    /// The pools to run, in the order they were opened.
    let starts: AsyncStream<Start>
    private let started: AsyncStream<Start>.Continuation

    init(configuration: PostgresClient.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        var lane = configuration
        lane.options.maximumConnections = 1
        lane.options.minimumConnections = 1
        // Its one connection is held leased, never idle: the sweep keeps it alive.
        lane.options.keepAliveBehavior = nil
        self.configuration = lane
        keepAlive = configuration.options.keepAliveBehavior
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

    /// A lane for one lease: an idle one on the caller's event loop, else any idle one, else the
    /// first lane that runs or is taken back after this call (``wait()``), which opens a lane
    /// for it when one is not open yet (as postgres-nio opens a connection for a lease that finds
    /// none idle). A lane serves one lease at a time, so a lease never queues behind another's
    /// statements while a lane is free. Throws once the database has shut down.
    func lease() async throws -> Lease {
        let leased = try state.withLock { state throws(DatabaseError) in
            guard !state.isShutDown else { throw DatabaseError(code: .connection, source: "Database.shutDown") }
            return takeIdle(in: &state)
        }
        if let leased { return leased }
        return try await wait()
    }

    /// An idle lane holding a connection, marked as leased: one on the caller's event loop if any.
    private func takeIdle(in state: inout State) -> Lease? {
        var idle: Int?
        for index in state.lanes.indices {
            let lane = state.lanes[index]
            guard let loop = lane.loop, lane.connection != nil, !lane.isLeased else { continue }
            if loop.inEventLoop {
                idle = index
                break
            }
            if idle == nil { idle = index }
        }
        guard let idle else { return nil }
        state.lanes[idle].isLeased = true
        return lent(idle, in: state)
    }

    private func lent(_ index: Int, in state: State) -> Lease {
        let lane = state.lanes[index]
        // Only a lane holding a connection is lent.
        return Lease(index: index, connection: lane.connection!, statements: lane.statements)
    }

    /// The first lane that gets a connection or is taken back after this call, unless the task is
    /// cancelled first. A lane not yet open is opened (on the caller's event loop if it is one of
    /// the group's), and the waiter is handed it by ``hold(_:)`` once connected, or another lane
    /// taken back before that.
    private func wait() async throws -> Lease {
        let id = state.withLock { state in
            state.lastWaiter += 1
            return state.lastWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let now: Result<Lease, DatabaseError>? = state.withLock { state in
                    if state.isShutDown { return .failure(DatabaseError(code: .connection, source: "Database.shutDown")) }
                    // Checked under the lock the cancellation handler takes: cancelled before
                    // this, the handler found no waiter to fail.
                    if Task.isCancelled { return .failure(DatabaseError(CancellationError())) }
                    if let lease = takeIdle(in: &state) { return .success(lease) }
                    // A lane still connecting serves a waiter once connected: another opens only
                    // for waiters beyond those (at a restart, waiters do not open every lane).
                    let connecting = state.lanes.count(where: { $0.loop != nil && $0.connection == nil })
                    if connecting <= state.waiters.count, let unopened = state.lanes.firstIndex(where: { $0.loop == nil }) {
                        open(unopened, in: &state, on: currentEventLoop() ?? eventLoopGroup.next())
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(with: now.mapError { $0 }) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: DatabaseError(CancellationError()))
        }
    }

    /// Holds a lane's connection from its pool while the lane lives: leases it, lends it to
    /// ``Database`` leases until it closes, then leases the next one the pool opens. Cancelled,
    /// it closes the connection it holds, so that the pool's shutdown finds it back.
    func hold(_ start: Start) async {
        // postgres-nio warns of a lease before its pool's `run()` began, which it marks as its
        // first step: the lane's first lease waits a moment.
        try? await Task.sleep(for: .milliseconds(1))
        while !Task.isCancelled {
            do {
                try await start.client.withConnection { connection in
                    attach(connection, to: start)
                    defer { detach(connection, from: start) }
                    await withTaskCancellationHandler {
                        _ = try? await connection.closeFuture.get()
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                }
                // Closed: at a restart the pool may lend the closed one again before it hears.
                try? await Task.sleep(for: .milliseconds(5))
            } catch {
                // The pool gave up on this lease (it goes on connecting meanwhile): ask again.
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// A lane's connection, now open: lent to the first waiting lease, if any and if the lane is
    /// not still lent to a lease of its previous connection.
    private func attach(_ connection: PostgresConnection, to start: Start) {
        let handed: (Waiter, Lease)? = state.withLock { state in
            guard state.lanes[start.index].client === start.client else { return nil }
            state.lanes[start.index].connection = connection
            guard !state.lanes[start.index].isLeased, !state.waiters.isEmpty else { return nil }
            state.lanes[start.index].isLeased = true
            return (state.waiters.removeFirst(), lent(start.index, in: state))
        }
        if let (waiter, lease) = handed { waiter.continuation.resume(returning: lease) }
    }

    /// A lane's connection, closed: no lease is lent it any more.
    private func detach(_ connection: PostgresConnection, from start: Start) {
        state.withLock { state in
            guard state.lanes[start.index].client === start.client, state.lanes[start.index].connection === connection else { return }
            state.lanes[start.index].connection = nil
        }
    }

    /// Takes back a lease's lane: to the first waiting lease, if any. A keep-alive's lease does
    /// not count as a use (the lane may still close when idle).
    func release(_ lease: Lease, keptAlive: Bool = false) {
        let now = ContinuousClock.now
        let handed: (Waiter, Lease)? = state.withLock { state in
            if keptAlive {
                state.lanes[lease.index].lastKeptAlive = now
            } else {
                state.lanes[lease.index].lastUsed = now
            }
            // A lane whose connection closed meanwhile goes to a waiter once it has another.
            guard !state.waiters.isEmpty, state.lanes[lease.index].connection != nil else {
                state.lanes[lease.index].isLeased = false
                return nil
            }
            return (state.waiters.removeFirst(), lent(lease.index, in: state))
        }
        if let (waiter, lease) = handed { waiter.continuation.resume(returning: lease) }
    }

    /// Once a second until cancelled: closes each lane above the minimum that no lease used for
    /// the idle timeout, and runs the keep-alive's query on each other lane unused for its
    /// interval (beside the sweep: a connection that does not answer holds only its own lane).
    func sweep() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                for lease in closeIdleAndLeaseStale(now: .now) {
                    group.addTask { await self.runKeepAlive(on: lease) }
                }
            }
        }
    }

    /// Closes the lanes above the minimum idle for the idle timeout; leases, for their
    /// keep-alive, the others holding a connection idle for its interval.
    private func closeIdleAndLeaseStale(now: ContinuousClock.Instant) -> [Lease] {
        state.withLock { state in
            var stale: [Lease] = []
            for index in state.lanes.indices {
                let lane = state.lanes[index]
                guard lane.client != nil, !lane.isLeased else { continue }
                if index >= minimum, now - lane.lastUsed >= idleTimeout {
                    lane.stop?.finish()
                    state.lanes[index] = Lane()
                } else if let keepAlive, lane.connection != nil, now - max(lane.lastUsed, lane.lastKeptAlive) >= keepAlive.frequency {
                    state.lanes[index].isLeased = true
                    stale.append(lent(index, in: state))
                }
            }
            return stale
        }
    }

    /// Runs the keep-alive's query on a lease's connection, then takes the lane back. A
    /// connection that fails it, or does not answer within ``keepAliveTimeout`` (a peer gone
    /// without a word: the connection's own loop closes it then, which fails the query), is
    /// closed: its lane then holds the next one its pool opens.
    private func runKeepAlive(on lease: Lease) async {
        defer { release(lease, keptAlive: true) }
        guard let query = keepAlive?.query else { return }
        let connection = lease.connection
        let timeout = connection.eventLoop.scheduleTask(in: .nanoseconds(DatabaseConnection.nanoseconds(keepAliveTimeout))) {
            connection.close().whenComplete { _ in }
        }
        defer { timeout.cancel() }
        do {
            _ = try await connection.submitAndWait { connection.query(query, logger: self.logger) }
        } catch {
            logger.debug("database keep-alive failed; closing the connection")
            _ = try? await connection.close().get()
        }
    }

    /// How long a keep-alive's query may take before its connection counts as gone: its
    /// interval, at most 10 s.
    var keepAliveTimeout: Duration { min(keepAlive?.frequency ?? .seconds(10), .seconds(10)) }

    /// Returns once no lane is lent, or after `bound`.
    func untilReturned(within bound: Duration) async {
        let until = ContinuousClock.now + bound
        while state.withLock({ $0.lanes.contains(where: \.isLeased) }), ContinuousClock.now < until {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops every lane; any later lease, and any waiting one, throws.
    func shutDown() {
        let waiters = state.withLock { state in
            state.isShutDown = true
            for lane in state.lanes { lane.stop?.finish() }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: DatabaseError(code: .connection, source: "Database.shutDown")) }
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
