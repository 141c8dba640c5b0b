import Foundation
import Hummingbird
import ProcessSupport
import ServiceHTTP
import Store

/// The admin's operations page: the workers, the queues of every kind and their lag, dead jobs to retry, the reconciler, the
/// stores' health (what `/api/background` and `/health` read).
struct BackgroundConsoleController: Sendable {
    let operations: ConsoleOperationsSources
    let pages: ConsolePages
    let format: ConsoleFormat

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/admin/operations", use: operationsPage)
        router.post("/admin/operations/reconcile", use: reconcile)
        router.post("/admin/operations/dead/{id}/retry", use: retryDeadJob)
    }
    struct WorkerRow: Sendable {
        var id: String
        var host: String
        var pid: Int
        var started: String
        var lastSeen: String
        var jobsDone: Int
    }

    /// One kind's queue.
    struct KindRow: Sendable {
        var kind: String
        var scheduled: Int
        var due: Int
        var inFlight: Int
        var dead: Int
        var lag: String
    }

    struct DeadRow: Sendable {
        var id: String
        var kind: String
        var orderHref: String?
        var orderReference: String
        var attempts: Int
        var lastError: String
        var died: String
    }

    struct OperationsPage: Sendable {
        var workers: [WorkerRow]
        var noWorkers: Bool
        var scheduled: Int
        var due: Int
        var inFlight: Int
        var dead: Int
        var lag: String
        var kinds: [KindRow]
        var chart: String?
        var deadJobs: [DeadRow]
        var noDeadJobs: Bool
        var database: Bool
        var redis: Bool
        var report: String?
    }

    /// Workers, queue depths and lag with their recent history, dead jobs with retry, the
    /// reconciler and the stores' health. Redis down: the page still answers, saying so.
    @Sendable func operationsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.admin)
        return try await showOperations(request: request, context: context)
    }

    func showOperations(report: String? = nil, request: Request, context: AppRequestContext) async throws -> Response {
        let health = await operations.health.check(logger: context.logger)
        let logger = context.logger
        async let workers = operations.registry.list(logger: logger)
        async let depths = operations.queues.depths(logger: logger)
        async let dead = operations.queues.dead(limit: 50, logger: logger)
        async let history = operations.queues[.transition].history(logger: logger)
        let (list, kinds, deadJobs, samples) = try await (workers, depths, dead, history)
        let queue = QueueDepth.total(kinds.map(\.depth))
        let chart =
            samples.isEmpty
            ? nil
            : ConsoleChart(
                points: samples.map {
                    .init(
                        label: format.clock($0.at), value: Double($0.done), line: Double($0.lagMilliseconds),
                        title: "\(format.clock($0.at)): \($0.done) jobs applied, lag \($0.lagMilliseconds) ms")
                },
                summary:
                    "Jobs applied per 10 seconds (bars) and the oldest due job's lag (line) over the last \(samples.count * 10 / 60) minutes; "
                    + "most recent: \(samples.last?.done ?? 0) jobs, lag \(samples.last?.lagMilliseconds ?? 0) ms."
            ).svg
        let view = OperationsPage(
            workers: list.map {
                WorkerRow(
                    id: $0.id, host: $0.host, pid: $0.pid, started: format.time($0.startedAt), lastSeen: format.time($0.lastSeenAt),
                    jobsDone: $0.jobsDone)
            },
            noWorkers: list.isEmpty, scheduled: queue.scheduled, due: queue.due, inFlight: queue.inFlight, dead: queue.dead,
            lag: Self.lag(queue.oldestDueLagMilliseconds),
            kinds: kinds.map {
                KindRow(
                    kind: $0.kind.rawValue, scheduled: $0.depth.scheduled, due: $0.depth.due, inFlight: $0.depth.inFlight,
                    dead: $0.depth.dead, lag: Self.lag($0.depth.oldestDueLagMilliseconds))
            },
            chart: chart,
            deadJobs: deadJobs.map { job in
                let orderID = job.orderID
                return DeadRow(
                    id: job.member, kind: job.kind.rawValue, orderHref: orderID.map { "/orders/" + $0.lowercasedString },
                    orderReference: orderID.map(ConsoleFormat.reference) ?? job.member, attempts: job.attempts,
                    lastError: job.lastError ?? "",
                    died: format.time(job.diedAt)
                )
            },
            noDeadJobs: deadJobs.isEmpty, database: health.database, redis: health.redis, report: report
        )
        return pages.render("operations", title: "Operations", section: "operations", page: view, context: context, request: request)
    }

    /// A lag in milliseconds below a second, in seconds above.
    static func lag(_ milliseconds: Int) -> String {
        milliseconds < 1000 ? "\(milliseconds) ms" : String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    /// Runs the reconciler now, as `POST /api/background/trigger` does.
    @Sendable func reconcile(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.admin)
        let report = try await operations.reconciler.runOnce(logger: context.logger)
        return try await showOperations(
            report: "The reconciler ran: \(report.updated) overdue orders moved, \(report.enqueued) missing jobs scheduled.",
            request: request,
            context: context
        )
    }

    /// Schedules a dead job again, as `POST /api/background/dead/{id}/retry` does.
    @Sendable func retryDeadJob(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let user = context.console else { return pages.signInFirst(request) }
        try user.require(.admin)
        let id = try context.parameters.require("id")
        guard id.count <= 100, try await operations.queues.resurrect(id, logger: context.logger) != nil else {
            throw APIError(.notFound, "No such dead job.")
        }
        return pages.redirect("/admin/operations", notice: "retried")
    }
}
