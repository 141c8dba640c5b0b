import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceHTTP
import ServiceLifecycle
import Store

/// `GET /api/events/stream` (bearer token) and the console's `GET /events/stream` (its cookie):
/// Server-Sent Events of the orders the caller may see, resumable with `Last-Event-ID`.
struct EventsController {
    let fanout: EventFanout
    let orders: OrderOperations
    /// Clients wait this long before reconnecting (the SSE `retry:` field).
    let retryMilliseconds = 1_000

    func addRoutes(api: some RouterMethods<AppRequestContext>, console: some RouterMethods<AppRequestContext>) {
        api.get("/api/events/stream", use: apiStream)
        console.get("/events/stream", use: consoleStream)
    }

    @Sendable func apiStream(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        return try await open(actor: identity.actor, sessionID: identity.sessionID, request, context: context)
    }

    @Sendable func consoleStream(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { throw APIError(.unauthorized, "Sign in to the console first.") }
        return try await open(actor: user.actor, sessionID: user.sessionID, request, context: context)
    }

    /// Checks the request (the order filter, the resume point, the cap), then streams.
    func open(actor: Actor, sessionID: String, _ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let order = try await visibleOrder(query["order_id"].map(String.init), actor: actor, logger: context.logger)
        let resume = try Self.lastEventID(request)
        let slot = UUID.random().lowercasedString
        guard try await fanout.slots.take(user: actor.id, stream: slot, logger: context.logger) else {
            throw APIError(
                .tooManyRequests, "You have \(fanout.slots.cap) event streams open already; close one first.",
                headers: [.retryAfter: "\(Int(fanout.heartbeat.components.seconds))"])
        }
        guard
            let subscription = fanout.subscribe(
                actor: actor, sessionID: sessionID, slot: slot, order: order, channel: context.channel)
        else {
            await fanout.slots.release(user: actor.id, stream: slot, logger: context.logger)
            throw APIError(.serviceUnavailable, "The event stream is starting; try again shortly.", headers: [.retryAfter: "1"])
        }
        // A client that goes away (a closed tab, a page left) gives its slot back now, not at the
        // next heartbeat's failed write.
        let departure = ClientDepartureHandler { [fanout] in fanout.end(subscription.id, .disconnected) }
        let channel = context.channel
        try? await channel.pipeline.addHandler(departure, position: .first).get()
        let logger = context.logger
        let body = ResponseBody { [fanout, retryMilliseconds] writer in
            var sent = resume ?? subscription.position
            do {
                try await withGracefulShutdownHandler {
                    try await writer.write(ServerSentEvent.retry(milliseconds: retryMilliseconds))
                    if let resume, resume < subscription.position {
                        sent = try await Self.replay(
                            after: resume, through: subscription.position, actor: actor, order: order, fanout: fanout, logger: logger
                        ) { frame in try await writer.write(frame) }
                    }
                    for await delivery in subscription.deliveries {
                        switch delivery {
                        case .event(let position, let frame, let at):
                            guard position > sent else { continue }
                            try await writer.write(frame)
                            sent = position
                            fanout.metrics.delivery.recordElapsed(since: at)
                        case .heartbeat:
                            try await writer.write(ServerSentEvent.heartbeat)
                        }
                    }
                } onGracefulShutdown: {
                    fanout.end(subscription.id, .shutdown)
                }
                if let reason = fanout.unsubscribe(subscription.id), reason != .disconnected {
                    try await writer.write(ServerSentEvent.end(reason, lastEventID: sent))
                }
                // The connection may carry other requests after this one.
                channel.pipeline.removeHandler(departure, promise: nil)
                try await writer.finish(nil)
            } catch {
                _ = fanout.unsubscribe(subscription.id)
                await fanout.slots.release(user: actor.id, stream: slot, logger: logger)
                throw error
            }
            await fanout.slots.release(user: actor.id, stream: slot, logger: logger)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body
        )
    }

    /// The `order_id` filter: nil when absent, 400 when not a UUID, 404 when `actor` may not see it.
    func visibleOrder(_ raw: String?, actor: Actor, logger: Logger) async throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(parsing: raw) else { throw APIError(.badRequest, "Query parameter order_id must be a UUID.") }
        _ = try await orders.order(id, visibleTo: actor, logger: logger)
        return id
    }

    /// `Last-Event-ID` (header, or the `last_event_id` query parameter): a position, or nil.
    static func lastEventID(_ request: Request) throws -> Int64? {
        let raw = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["last_event_id"].map(String.init)
        guard let raw, !raw.isEmpty else { return nil }
        guard let position = Int64(raw.trimmingCharacters(in: .whitespaces)), position >= 0 else {
            throw APIError(.badRequest, "Last-Event-ID must be the id of an event this stream sent (a non-negative integer).")
        }
        return position
    }

    /// Sends the events in (`after`, `last`] that `actor` may see, from the Redis Stream while it
    /// still holds them, else from Postgres; returns the last position covered.
    static func replay(
        after: Int64, through last: Int64, actor: Actor, order: UUID?, fanout: EventFanout, logger: Logger,
        write: (ByteBuffer) async throws -> Void
    ) async throws -> Int64 {
        var from = after
        while from < last {
            var page: [PublishedOrderEvent] = []
            // The stream has the page when its first entry is the next position; a gap (a failed
            // relay transaction's, a trimmed stream, or events a relay could not append) sends
            // the page to Postgres, which knows.
            let entries = (try? await fanout.stream.entries(after: from, through: last, count: 500, logger: logger)) ?? []
            // Only up to the first hole: two relays that overlapped (a lease handed over while its
            // holder still worked) append out of order, and the stream refuses the later append
            // of the earlier events, so a page may lack events in its middle.
            let run = OrderEventStream.unbroken(entries, after: from)
            if let end = run.last?.position {
                page = run.compactMap { try? $0.decoded() }
                from = end
            } else {
                page = try await fanout.log.events(
                    after: from, through: last, customer: actor.isStaff ? nil : actor.id, order: order, limit: 500, logger: logger)
                from = page.count < 500 ? last : page[page.count - 1].position
            }
            for event in page where event.isVisible(to: actor) && (order == nil || event.orderID == order) {
                try await write(try fanout.frame(event))
            }
        }
        return last
    }
}
