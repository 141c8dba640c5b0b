import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// `/api/background`: the job queues of every kind as operators see them.
struct BackgroundController: Sendable {
    let queues: JobQueues
    let reconciler: Reconciler
    let registry: WorkerRegistry
    let time: DisplayTime

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("/api/background")
        group.post("/trigger", use: trigger)
        group.post("/update-pending-orders", use: trigger)
        group.get("/status", use: status)
        group.get("/dead", use: dead)
        group.post("/dead/{id}/retry", use: retryDead)
    }

    struct TriggerResponse: Codable, Sendable, ResponseEncodable {
        var updatedCount: Int
        var enqueuedCount: Int

        enum CodingKeys: String, CodingKey {
            case updatedCount = "updated_count"
            case enqueuedCount = "enqueued_count"
        }
    }

    /// Runs the reconciler now: moves every overdue pending order and re-enqueues missing jobs.
    @Sendable func trigger(_ request: Request, context: AppRequestContext) async throws -> TriggerResponse {
        _ = try context.require(.admin)
        let report = try await reconciler.runOnce(logger: context.logger)
        return TriggerResponse(updatedCount: report.updated, enqueuedCount: report.enqueued)
    }

    struct StatusResponse: Encodable, Sendable, ResponseEncodable {
        struct Worker: Encodable, Sendable {
            var id: String
            var host: String
            var pid: Int
            var startedAt: String
            var lastSeenAt: String
            var jobsDone: Int

            enum CodingKeys: String, CodingKey {
                case id, host, pid
                case startedAt = "started_at"
                case lastSeenAt = "last_seen_at"
                case jobsDone = "jobs_done"
            }
        }

        struct Depth: Encodable, Sendable {
            var scheduled: Int
            var due: Int
            var inFlight: Int
            var dead: Int
            var oldestDueLagMs: Int

            init(_ depth: QueueDepth) {
                scheduled = depth.scheduled
                due = depth.due
                inFlight = depth.inFlight
                dead = depth.dead
                oldestDueLagMs = depth.oldestDueLagMilliseconds
            }

            enum CodingKeys: String, CodingKey {
                case scheduled, due, dead
                case inFlight = "in_flight"
                case oldestDueLagMs = "oldest_due_lag_ms"
            }
        }

        /// The totals over every kind, and each kind's own.
        struct Queue: Encodable, Sendable {
            var total: Depth
            var kinds: [String: Depth]

            func encode(to encoder: any Encoder) throws {
                try total.encode(to: encoder)
                var container = encoder.container(keyedBy: KindsKey.self)
                try container.encode(kinds, forKey: .kinds)
            }

            enum KindsKey: String, CodingKey { case kinds }
        }

        var workers: [Worker]
        var queue: Queue
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> StatusResponse {
        _ = try context.require(.vendor, .admin)
        async let workers = registry.list(logger: context.logger)
        async let depths = queues.depths(logger: context.logger)
        let (list, kinds) = try await (workers, depths)
        return StatusResponse(
            workers: list.map {
                .init(
                    id: $0.id, host: $0.host, pid: $0.pid, startedAt: time.string(from: $0.startedAt),
                    lastSeenAt: time.string(from: $0.lastSeenAt), jobsDone: $0.jobsDone)
            },
            queue: .init(
                total: .init(QueueDepth.total(kinds.map(\.depth))),
                kinds: Dictionary(uniqueKeysWithValues: kinds.map { ($0.kind.rawValue, .init($0.depth)) })
            )
        )
    }

    struct DeadResponse: Encodable, Sendable {
        var id: String
        var kind: String
        var orderID: String?
        var attempts: Int
        var lastError: String?
        var diedAt: String

        enum CodingKeys: String, CodingKey {
            case id, kind, attempts
            case orderID = "order_id"
            case lastError = "last_error"
            case diedAt = "died_at"
        }
    }

    @Sendable func dead(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.admin)
        let jobs = try await queues.dead(logger: context.logger).map {
            DeadResponse(
                id: $0.member, kind: $0.kind.rawValue, orderID: $0.orderID?.lowercasedString, attempts: $0.attempts,
                lastError: $0.lastError, diedAt: time.string(from: $0.diedAt)
            )
        }
        return try context.responseEncoder.encode(jobs, from: request, context: context)
    }

    struct RetryResponse: Codable, Sendable, ResponseEncodable {
        var id: String
        var kind: String
        var scheduled: Bool
    }

    @Sendable func retryDead(_ request: Request, context: AppRequestContext) async throws -> RetryResponse {
        _ = try context.require(.admin)
        let id = try context.parameters.require("id")
        guard id.count <= 100, let kind = try await queues.resurrect(id, logger: context.logger) else {
            throw APIError(.notFound, "No such dead job.")
        }
        return RetryResponse(id: id, kind: kind.rawValue, scheduled: true)
    }
}
