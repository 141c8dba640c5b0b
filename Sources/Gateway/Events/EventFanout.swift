import Foundation
import Logging
import NIOCore
import OrderJSON
import ProcessSupport
import Redis
import ServiceLifecycle
import Store
import Synchronization

/// The gateway's one reader of the Redis Stream (a blocking `XREAD` on a connection of its own)
/// and the fan-out of what it reads to this gateway's open streams, each with a bounded buffer.
/// It also beats the heartbeat: every `heartbeat` it re-checks every stream's session (a revoked
/// one ends), renews their slots and sends the keep-alive comment.
final class EventFanout: Service, Sendable {
    /// One open stream.
    struct Subscriber {
        var actor: Actor
        var sessionID: String
        var slot: String
        var order: UUID?
        var continuation: AsyncStream<EventDelivery>.Continuation
        var channel: any Channel
        var end: EventStreamEnd?
    }

    struct State {
        /// The last position fanned out; nil until the reader has started.
        var last: Int64?
        /// Set at shutdown: the reader stops after what it is doing.
        var stopping = false
        /// The reader's blocking connection, closed at shutdown to end its wait.
        var reading: RedisConnection?
        var subscribers: [Int: Subscriber] = [:]
        /// `subscribers` by who watches, kept in step with it.
        var audience = EventAudience()
        var nextID = 0
    }

    let log: OrderEventLog
    let stream: OrderEventStream
    let admission: RequestAdmission
    let slots: EventStreamSlots
    let heartbeat: Duration
    /// Events a stream may have waiting before it is ended as too slow.
    let bufferLimit: Int
    /// How long an ended stream's writer has to finish before its connection is closed.
    let grace: Duration
    let time: DisplayTime
    let logger: Logger
    let metrics = EventStreamMetrics()
    private let state = Mutex(State())

    init(
        log: OrderEventLog, stream: OrderEventStream, admission: RequestAdmission, slots: EventStreamSlots, heartbeat: Duration,
        bufferLimit: Int, grace: Duration = .seconds(2), time: DisplayTime, logger: Logger
    ) {
        self.log = log
        self.stream = stream
        self.admission = admission
        self.slots = slots
        self.heartbeat = heartbeat
        self.bufferLimit = bufferLimit
        self.grace = grace
        self.time = time
        self.logger = logger
    }

    // MARK: Streams

    /// A stream's side of the fan-out.
    struct Subscription: Sendable {
        var id: Int
        /// Everything after this position reaches `deliveries`; what came before is the
        /// caller's to read (a resume).
        var position: Int64
        var deliveries: AsyncStream<EventDelivery>
    }

    /// Opens a stream for `actor` (of `order` only when given); nil until the reader has started.
    func subscribe(actor: Actor, sessionID: String, slot: String, order: UUID?, channel: any Channel) -> Subscription? {
        let (deliveries, continuation) = AsyncStream.makeStream(
            of: EventDelivery.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let (subscription, open) = state.withLock { state -> (Subscription?, Int) in
            guard let last = state.last else { return (nil, state.subscribers.count) }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(
                actor: actor, sessionID: sessionID, slot: slot, order: order, continuation: continuation, channel: channel)
            state.audience.insert(id, actor: actor)
            return (Subscription(id: id, position: last, deliveries: deliveries), state.subscribers.count)
        }
        metrics.connected.record(open)
        return subscription
    }

    /// Forgets the stream when its writer is done; returns why the fan-out ended it, if it did.
    func unsubscribe(_ id: Int) -> EventStreamEnd? {
        let (removed, open) = state.withLock { state in
            let removed = state.subscribers.removeValue(forKey: id)
            if let removed { state.audience.remove(id, actor: removed.actor) }
            return (removed, state.subscribers.count)
        }
        guard let subscriber = removed else { return nil }
        subscriber.continuation.finish()
        metrics.connected.record(open)
        return subscriber.end
    }

    /// Ends a stream: its writer sends what is buffered and the final event; a writer that
    /// cannot (its client reads nothing) has its connection closed after `grace`.
    func end(_ id: Int, _ reason: EventStreamEnd) {
        let ended = state.withLock { state -> Subscriber? in
            guard var subscriber = state.subscribers[id], subscriber.end == nil else { return nil }
            subscriber.end = reason
            state.subscribers[id] = subscriber
            return subscriber
        }
        guard let ended else { return }
        ended.continuation.finish()
        if reason == .tooSlow { metrics.slowDisconnects.increment() }
        let channel = ended.channel
        let nanoseconds = grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000
        channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            [weak self] in
            if self?.state.withLock({ $0.subscribers[id] != nil }) ?? false { channel.close(promise: nil) }
        }
    }

    /// The SSE frame of `event`, as every client receives it.
    func frame(_ event: PublishedOrderEvent) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = try encoder.encode(OrderEventMessage(event: event, time: time))
        return ServerSentEvent.frame(id: String(event.position), event: event.type.rawValue, data: data)
    }

    // MARK: Service

    func run() async throws {
        // The reader is never cancelled (it may be in a postgres-nio query, which can then wait
        // forever): shutdown sets `stopping` and closes its blocking connection.
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.beat() }
                await self.read()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            let reading = self.state.withLock { state in
                state.stopping = true
                return state.reading
            }
            reading?.closeSoon()
            let open = self.state.withLock { Array($0.subscribers.keys) }
            for id in open { self.end(id, .shutdown) }
        }
    }

    var stopping: Bool { state.withLock { $0.stopping } }

    /// The reader: from the last position Postgres had at start, every entry of the stream in
    /// order; a hole in the positions (entries Redis lost or trimmed) is read from Postgres.
    func read() async {
        var last: Int64 = 0
        while !stopping {
            do {
                last = try await log.lastPosition(logger: logger)
                break
            } catch {
                logger.warning("event reader cannot reach Postgres; retrying", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .seconds(1))
            }
        }
        state.withLock { $0.last = last }
        while !stopping {
            do {
                try await stream.redis.withDedicatedConnection(for: OrderEventStream.key) { connection in
                    let stopped = state.withLock { state in
                        state.reading = connection
                        return state.stopping
                    }
                    defer { state.withLock { $0.reading = nil } }
                    if stopped { return }
                    while !stopping {
                        let entries = try await OrderEventStream.read(after: last, count: 500, block: .seconds(5), on: connection)
                        guard !entries.isEmpty else {
                            // Quiet for a while: if Postgres went back in time (a restore), follow it.
                            if try await log.lastGiven(logger: logger) < last {
                                let current = try await log.lastPosition(logger: logger)
                                logger.error(
                                    "Postgres has fewer events than this gateway fanned out (was it restored?); following it",
                                    metadata: ["events.last": "\(last)", "events.postgres_last": "\(current)"])
                                last = current
                                state.withLock { $0.last = current }
                            }
                            continue
                        }
                        if passUnheard(through: entries.last?.position ?? last) {
                            last = max(last, entries.last?.position ?? last)
                            continue
                        }
                        let events = try await Self.assemble(entries, after: last) { after, through in
                            try await fill(after: after, through: through)
                        } decode: { entry in
                            do {
                                return try entry.decoded()
                            } catch {
                                logger.error("event stream entry unreadable", metadata: ["events.position": "\(entry.position)"])
                                return nil
                            }
                        }
                        dispatch(events)
                        last = max(last, entries.last?.position ?? last)
                    }
                }
            } catch {
                if stopping { return }
                logger.warning("event reader lost Redis; retrying", metadata: Logger.Metadata.describing(error))
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// A batch read from the stream after `last`, in position order: each entry by `decode` (nil:
    /// unreadable, left out), each hole in the positions by `fill(after, through)`. A hole may be
    /// anywhere in the batch, not only before it: two relays that overlapped leave one where the
    /// later append of earlier events was refused.
    static func assemble<Item>(
        _ entries: [OrderEventStream.Entry], after last: Int64, fill: (Int64, Int64) async throws -> [Item],
        decode: (OrderEventStream.Entry) -> Item?
    ) async throws -> [Item] {
        var items: [Item] = []
        var previous = last
        for entry in entries where entry.position > previous {
            if entry.position > previous + 1 { items += try await fill(previous, entry.position - 1) }
            previous = entry.position
            if let item = decode(entry) { items.append(item) }
        }
        return items
    }

    /// With no stream open, moves the fanned-out position to `position` without reading the
    /// entries (no decoding, no frames, no hole filled): a stream that opens later replays up to
    /// that position from Postgres, as every new stream does.
    func passUnheard(through position: Int64) -> Bool {
        state.withLock { state in
            guard state.subscribers.isEmpty else { return false }
            state.last = max(state.last ?? 0, position)
            return true
        }
    }

    /// The events in (`after`, `last`] from Postgres, for a hole in the stream.
    func fill(after: Int64, through last: Int64) async throws -> [PublishedOrderEvent] {
        var events: [PublishedOrderEvent] = []
        var from = after
        while from < last {
            let page = try await log.events(after: from, through: last, customer: nil, order: nil, limit: 1_000, logger: logger)
            guard let end = page.last?.position else { break }
            events += page
            from = end
        }
        metrics.filled.increment(by: events.count)
        logger.notice(
            "event stream had a hole; read from Postgres", metadata: ["events.after": "\(after)", "events.count": "\(events.count)"])
        return events
    }

    /// Hands each event to the streams that may see it, in order; a stream whose buffer is full
    /// is ended as too slow.
    func dispatch(_ events: [PublishedOrderEvent]) {
        let frames = events.compactMap { event in (try? frame(event)).map { (event, $0) } }
        var delivered = 0
        var overflowed: [Int] = []
        let now = Date()
        state.withLock { state in
            for (event, frame) in frames where event.position > (state.last ?? 0) {
                for id in state.audience.candidates(forOrderOf: event.customerID) {
                    guard let subscriber = state.subscribers[id], subscriber.end == nil, event.isVisible(to: subscriber.actor),
                        subscriber.order == nil || subscriber.order == event.orderID
                    else { continue }
                    switch subscriber.continuation.yield(.event(position: event.position, frame: frame, at: event.at)) {
                    case .enqueued: delivered += 1
                    case .dropped: overflowed.append(id)
                    case .terminated: break
                    @unknown default: break
                    }
                }
                state.last = event.position
            }
        }
        for (event, _) in frames { metrics.latency.recordElapsed(since: event.at, now: now) }
        metrics.delivered.increment(by: delivered)
        for id in Set(overflowed) { end(id, .tooSlow) }
    }

    /// Every `heartbeat`: the streams' sessions checked (revoked or changed role: ended), their
    /// slots renewed, and the keep-alive sent.
    func beat() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: heartbeat)
            let open = state.withLock { state in
                state.subscribers.filter { $0.value.end == nil }.map { ($0.key, $0.value) }
            }
            guard !open.isEmpty else { continue }
            do {
                let roles = try await admission.roles(of: open.map { ($0.1.actor.id, $0.1.sessionID) }, logger: logger)
                for ((id, subscriber), role) in zip(open, roles) where role != subscriber.actor.role { end(id, .revoked) }
                try await slots.renew(open.map { ($0.1.actor.id, $0.1.slot) }, logger: logger)
            } catch {
                // Redis is away: the sessions cannot be checked now; the next beat tries again.
                logger.warning("event stream heartbeat checks failed", metadata: Logger.Metadata.describing(error))
            }
            state.withLock { state in
                for subscriber in state.subscribers.values where subscriber.end == nil {
                    _ = subscriber.continuation.yield(.heartbeat)
                }
            }
        }
    }
}
