import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOPosix
import OrderJSON
import ProcessSupport
import Store
import StoreClients

/// The `webhook` kind: one order event `POST`ed to one endpoint, signed as Standard Webhooks 1.0
/// says, to the address the network guard checked at this moment (never one resolved later).
struct WebhookJobs: LedgerJobHandler {
    let kind = JobKind.webhook
    let policy: JobPolicy
    let ledger: DeliveryLedger
    let endpoints: WebhookEndpointStore
    let events: OrderEventLog
    let network: NetworkAddressGuard
    let clients: PinnedHTTPClients
    let time: DisplayTime
    let reconciler: DeliveryReconciler

    /// The policy: `schedule` is when each attempt runs after the first failure's (Standard
    /// Webhooks': immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), one
    /// attempt per entry, then dead. The lease is the worker's (`JOB_LEASE_SECONDS`), extended
    /// while a delivery waits on its peer.
    static func policy(concurrency: Int, schedule: [Duration], lease: Duration) -> JobPolicy {
        JobPolicy(
            concurrency: concurrency, lease: lease, timeout: .seconds(25), maxAttempts: max(1, schedule.count), maxAge: nil,
            overlapping: true, backoff: JobPolicy.schedule(Array(schedule.dropFirst())))
    }

    static let standardSchedule: [Duration] = [
        .zero, .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(50_400),
        .seconds(72_000), .seconds(86_400),
    ]

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        var outcomes = [JobOutcome](repeating: .noop, count: jobs.count)
        let ids = jobs.map { UUID(parsing: $0.member) }
        // What the batch needs (rows, endpoints with their secrets, events), in four statements
        // whatever its size.
        let read: Read
        do {
            read = try await StoreCall.bounded { [ledger, endpoints, events] in
                let owed = try await ledger.owed(ids.compactMap { $0 }, logger: logger)
                let signing = try await endpoints.signing(Array(Set(owed.values.compactMap(\.delivery.endpointID))), logger: logger)
                let positions = Set(owed.values.filter { !$0.blocked }.map(\.delivery.eventPosition))
                let found = try await events.events(at: Array(positions), logger: logger)
                return Read(
                    owed: owed, signing: signing,
                    events: Dictionary(found.map { ($0.position, $0) }, uniquingKeysWith: { first, _ in first }))
            }
        } catch {
            return Array(repeating: StoreCall.outcome(of: error, logger: logger), count: jobs.count)
        }
        var records: [(index: Int, id: UUID, attempt: DeliveryAttempt)] = []
        var posts: [Post] = []
        for (index, job) in jobs.enumerated() {
            guard let id = ids[index], let work = read.owed[id], let endpointID = work.delivery.endpointID,
                let (endpoint, secrets) = read.signing[endpointID]
            else { continue }
            // One order's events reach one endpoint in their order.
            if work.blocked {
                outcomes[index] = .later(Date().addingTimeInterval(1))
                continue
            }
            guard endpoint.active else {
                records.append((index, id, DeliveryAttempt(result: .failed(final: true), error: "endpoint inactive")))
                continue
            }
            guard let event = read.events[work.delivery.eventPosition] else {
                records.append((index, id, DeliveryAttempt(result: .failed(final: true), error: "event no longer exists")))
                continue
            }
            posts.append(
                Post(
                    index: index, id: id, delivery: work.delivery, endpoint: endpoint, secrets: secrets, event: event,
                    final: job.attempts >= policy.maxAttempts))
        }
        let attempts = await withTaskGroup(of: (Post, Attempt).self) { group in
            for post in posts {
                group.addTask {
                    var logger = logger
                    logger[metadataKey: "delivery.id"] = "\(post.delivery.member)"
                    let attempt = await send(
                        event: post.event, delivery: post.delivery, to: post.endpoint, secrets: post.secrets, final: post.final,
                        logger: logger)
                    return (post, attempt)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (post, attempt) in attempts {
            records.append((post.index, post.id, attempt.record))
            outcomes[post.index] =
                switch attempt.record.result {
                case .delivered: .applied
                case .failed: attempt.gone ? .noop : .failed(attempt.record.error ?? "failed", retryAfter: attempt.retryAfter)
                }
        }
        // 410: the endpoint is turned off before its delivery is recorded dead, so whoever sees
        // the dead delivery sees the endpoint off (and a crash between the two leaves the job,
        // whose next attempt finds the endpoint inactive). One write for the batch (the same
        // webhook-ids if it is sent again).
        let gone = Set(attempts.filter { $0.1.gone }.map(\.0.endpoint.id))
        await StoreCall.record(records, settling: &outcomes, in: ledger, logger: logger) { [endpoints] in
            for endpoint in gone {
                try await endpoints.deactivate(endpoint, logger: logger)
                logger.notice("webhook endpoint answered 410 Gone; deactivated", metadata: ["webhook.endpoint": "\(endpoint)"])
            }
        }
        return outcomes
    }

    /// What a batch starts from, read in one bounded call.
    struct Read: Sendable {
        var owed: [UUID: OwedDelivery]
        var signing: [UUID: (endpoint: WebhookEndpoint, secrets: WebhookEndpointStore.Secrets)]
        var events: [Int64: PublishedOrderEvent]
    }

    /// One delivery ready to be `POST`ed.
    struct Post: Sendable {
        var index: Int
        var id: UUID
        var delivery: Delivery
        var endpoint: WebhookEndpoint
        var secrets: WebhookEndpointStore.Secrets
        var event: PublishedOrderEvent
        /// No attempt follows this one (a failure is dead).
        var final: Bool
    }

    /// What one `POST` came to.
    struct Attempt: Sendable {
        var record: DeliveryAttempt
        /// The endpoint answered 410: it is to be deactivated, the delivery dead.
        var gone = false
        var retryAfter: Duration?
    }

    func send(
        event: PublishedOrderEvent, delivery: Delivery, to endpoint: WebhookEndpoint, secrets: WebhookEndpointStore.Secrets, final: Bool,
        logger: Logger
    ) async -> Attempt {
        let started = ContinuousClock.now
        func elapsed() -> Int { Int((ContinuousClock.now - started).milliseconds) }
        func failed(_ error: String, status: Int? = nil, excerpt: String? = nil, gone: Bool = false, retryAfter: Duration? = nil)
            -> Attempt
        {
            Attempt(
                record: DeliveryAttempt(
                    result: .failed(final: final || gone), responseStatus: status, durationMilliseconds: elapsed(), error: error,
                    responseExcerpt: excerpt),
                gone: gone, retryAfter: retryAfter)
        }
        guard let url = URLComponents(string: endpoint.url), let host = url.host, let scheme = url.scheme?.lowercased() else {
            return failed("the endpoint's URL is not valid")
        }
        guard scheme == "https" || (scheme == "http" && network.allowPrivateNetworks) else {
            return failed("the endpoint's URL is not https")
        }
        let address: SocketAddress
        do {
            address = try await network.resolve(host: host, port: url.port ?? (scheme == "http" ? 80 : 443))[0]
        } catch {
            logger.warning("webhook refused by the network guard", metadata: ["webhook.endpoint": "\(endpoint.id)"])
            return failed("refused: the host \(error.reason)")
        }
        let body: ByteBuffer
        do {
            body = try Self.body(event: event, time: time)
        } catch {
            return failed("could not encode the event")
        }
        let timestamp = Int(Date().timeIntervalSince1970)
        let webhookID = "msg_" + delivery.member
        var signatures = [secrets.current.signature(id: webhookID, timestamp: timestamp, body: body.readableBytesView)]
        if let previous = secrets.previous {
            signatures.append(previous.signature(id: webhookID, timestamp: timestamp, body: body.readableBytesView))
        }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "order-platform-webhooks/1")
        request.headers.add(name: "webhook-id", value: webhookID)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: signatures.joined(separator: " "))
        request.body = .bytes(body)
        do {
            let client = try await clients.client(host: host, address: address)
            let response = try await client.execute(request, timeout: .seconds(15), logger: logger)
            let status = Int(response.status.code)
            let retryAfter = response.headers.first(name: "retry-after").flatMap(Self.retryAfter)
            let excerpt = await Self.excerpt(of: response.body)
            switch status {
            case 200..<300:
                return Attempt(
                    record: DeliveryAttempt(
                        result: .delivered, responseStatus: status, durationMilliseconds: elapsed(), responseExcerpt: excerpt))
            case 410: return failed("the endpoint answered 410 Gone", status: status, excerpt: excerpt, gone: true)
            case 300..<400:
                return failed("the endpoint answered a redirect (\(status)); redirects are not followed", status: status, excerpt: excerpt)
            default: return failed("the endpoint answered \(status)", status: status, excerpt: excerpt, retryAfter: retryAfter)
            }
        } catch {
            return failed(Self.describe(error))
        }
    }

    /// `{"type", "timestamp", "data"}`: `data` is the event exactly as the live stream's `data:`.
    static func body(event: PublishedOrderEvent, time: DisplayTime) throws -> ByteBuffer {
        struct Payload: Encodable {
            var type: String
            var timestamp: String
            var data: OrderEventMessage
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(
            Payload(type: event.type.rawValue, timestamp: time.string(from: event.at), data: OrderEventMessage(event: event, time: time)))
        return ByteBuffer(data: data)
    }

    /// The first bytes of an answer, as text.
    static func excerpt(of body: HTTPClientResponse.Body) async -> String? {
        var kept = ByteBuffer()
        do {
            for try await var chunk in body {
                kept.writeBuffer(&chunk)
                if kept.readableBytes >= Delivery.excerptLimit { break }
            }
        } catch {}
        guard kept.readableBytes > 0 else { return nil }
        return String(decoding: kept.readableBytesView.prefix(Delivery.excerptLimit), as: UTF8.self)
    }

    /// `Retry-After` as seconds or an HTTP date; at most a day.
    static func retryAfter(_ value: String) -> Duration? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(min(seconds, 86_400)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(min(86_400, max(0, Int(date.timeIntervalSinceNow.rounded(.up)))))
    }

    /// A network failure in words for the ledger (never the peer's internals).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout: "timed out"
        case let error as HTTPClientError where error == .connectTimeout: "could not connect in time"
        case is NIOConnectionError, is IOError, is ChannelError: "could not connect"
        default: "request failed (\(String(describing: type(of: error))))"
        }
    }
}
