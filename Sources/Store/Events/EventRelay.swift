import Foundation
import Logging
import Metrics
import Redis
import ServiceLifecycle
import Synchronization

/// Moves committed order events from Postgres into the Redis Stream: gives them positions (in
/// Postgres, under an advisory lock) and appends them. Every gateway runs one; the one holding
/// the lease in Redis does the work. It looks for unpositioned events every `poll` (one probe of
/// a partial index; a `NOTIFY` trigger woke it sooner, but Postgres serialises the commits of
/// notifying transactions: a quarter of the insert rate, measured). Every `interval` it renews
/// the lease and compares the stream with Postgres, publishing what the stream lacks: after a
/// crash between a positioning and its append, or after Redis lost its data. A relay without
/// the lease only waits for its next check, waking every tenth of `interval`.
public struct EventRelay: Service {
    static let leaseKey = "events:relay"
    static let leaseScript = BundledScripts.load("events-lease")
    let log: OrderEventLog
    let stream: OrderEventStream
    let owner: String
    let poll: Duration
    let interval: Duration
    let lease: Duration
    /// How many of the newest events a refill after Redis lost its data puts back.
    let refill: Int
    let logger: Logger
    let metrics = EventRelayMetrics()

    public init(
        log: OrderEventLog, stream: OrderEventStream, owner: String, poll: Duration = .milliseconds(5),
        interval: Duration = .seconds(1), lease: Duration = .seconds(5), refill: Int = 1_000, logger: Logger
    ) {
        self.log = log
        self.stream = stream
        self.owner = owner
        self.poll = poll
        self.interval = interval
        self.lease = lease
        self.refill = refill
        self.logger = logger
    }

    public func run() async throws {
        let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Only the leaseholder looks every `poll`; the others' ticks only ask whether a check is
        // due, so they come ten times per `interval` (at 5 ms, every gateway but one woke 200
        // times a second for nothing).
        let holding = Holding()
        let idlePoll = max(poll, interval / 10)
        // A pass is never cancelled (a postgres-nio query cancelled mid-flight can wait forever):
        // shutdown ends the ticks, the pass under way finishes, then the loop ends.
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        tick.yield()
                        try? await Task.sleep(for: holding.lease.load(ordering: .relaxed) ? poll : idlePoll)
                    }
                }
                var standing = Standing()
                var checked = ContinuousClock.now - interval
                for await _ in ticks {
                    let due = ContinuousClock.now - checked >= interval
                    if due { checked = ContinuousClock.now }
                    // Between checks only the leaseholder works.
                    guard due || standing.held else { continue }
                    standing = await pass(renewing: due, standing)
                    holding.lease.store(standing.held, ordering: .relaxed)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            tick.finish()
        }
        // Another gateway's relay takes over at its next check, not when the lease runs out.
        _ = try? await stream.redis.run(Self.leaseScript, keys: [Self.leaseKey], arguments: [owner, "0"], logger: logger)
    }

    /// Whether this process held the lease at its last pass, for the ticker's pace.
    final class Holding: Sendable {
        let lease = Atomic(false)
    }

    /// What the last pass found: whether this process holds the lease, and whether events were
    /// waiting (then the next pass positions at once instead of probing first: one round trip
    /// less per event while the shop is busy).
    struct Standing {
        var held = false
        var busy = false
    }

    /// One pass: when `renewing`, the lease renewed, everything unpositioned appended and the
    /// stream checked against Postgres; otherwise, while this process holds the lease, whatever
    /// waits appended. A failure waits for the next check (Postgres keeps the events).
    func pass(renewing: Bool, _ standing: Standing) async -> Standing {
        do {
            guard renewing else {
                let waiting = try await standing.busy ? true : log.hasUnpositioned(logger: logger)
                guard waiting else { return Standing(held: true) }
                return Standing(held: true, busy: try await drain() > 0)
            }
            let holds =
                try await stream.redis.run(
                    Self.leaseScript, keys: [Self.leaseKey], arguments: [owner, Int(lease.components.seconds * 1000)], logger: logger
                ).int == 1
            guard holds else { return Standing() }
            let published = try await drain()
            try await catchUp()
            return Standing(held: true, busy: published > 0)
        } catch {
            logger.warning("event relay pass failed; the next check tries again", metadata: Logger.Metadata.describing(error))
            return Standing()
        }
    }

    /// Positions and appends until no committed event waits; returns how many it appended. The
    /// next batch is positioned while the last one's `XADD` is in flight (a pass costs the longer
    /// round trip, not both); the appends stay one after another, in position order. A busy shop
    /// keeps it going: after `interval` it stops positioning, so the pass ends and the lease is renewed.
    func drain() async throws -> Int {
        let until = ContinuousClock.now + interval
        var published = 0
        var batch = try await log.positionNext(limit: 500, logger: logger)
        while !batch.isEmpty {
            let appending = batch
            async let appended: Void = append(appending)
            var next: [PublishedOrderEvent] = []
            do {
                if ContinuousClock.now < until { next = try await log.positionNext(limit: 500, logger: logger) }
            } catch {
                // The append under way finishes first (a cancelled one could leave its reply to the
                // next command); the events positioned are in Postgres for the next check.
                try await appended
                throw error
            }
            try await appended
            published += batch.count
            batch = next
        }
        return published
    }

    /// Appends one positioned batch to the stream and records how long its events took.
    func append(_ batch: [PublishedOrderEvent]) async throws {
        _ = try await stream.publish(batch, logger: logger)
        let now = Date()
        for event in batch { metrics.lag.recordElapsed(since: event.at, now: now) }
        metrics.published.increment(by: batch.count)
    }

    /// Appends from Postgres what the stream lacks (at most the newest `refill` events).
    func catchUp() async throws {
        var streamLast = try await stream.lastPosition(logger: logger)
        if try await streamLast > log.lastGiven(logger: logger) {
            // Postgres went back in time (restored from a backup): the stream holds another
            // history, whose ids would refuse every new event. Postgres wins.
            logger.error(
                "event stream is ahead of Postgres (was the database restored?); dropping the stream",
                metadata: ["events.stream_last": "\(streamLast)"]
            )
            try await stream.redis.send(RedisCommand("DEL", OrderEventStream.key), logger: logger)
            streamLast = 0
        }
        let last = try await log.lastPosition(logger: logger)
        guard streamLast < last else { return }
        var after = max(streamLast, last - Int64(refill))
        metrics.catchUps.increment()
        logger.notice(
            "event stream behind Postgres; publishing from Postgres",
            metadata: ["events.stream_last": "\(streamLast)", "events.last": "\(last)", "events.from": "\(after + 1)"]
        )
        while after < last {
            let page = try await log.events(after: after, through: last, customer: nil, order: nil, limit: 500, logger: logger)
            guard let end = page.last?.position else { return }
            _ = try await stream.publish(page, logger: logger)
            after = end
        }
    }
}
