import Foundation
import Hummingbird
import ProcessSupport
import StoreClients

/// Liveness, readiness and the detailed `/api/health` report.
public struct HealthController<Context: RequestContext>: Sendable {
    let health: StoreHealth
    let timeZone: TimeZone
    /// Reported as `service` by `/api/health`.
    let service: String

    public init(health: StoreHealth, timeZone: TimeZone, service: String) {
        self.health = health
        self.timeZone = timeZone
        self.service = service
    }

    public func addRoutes(to router: some RouterMethods<Context>) {
        router.get("/health/live") { _, _ in LiveAnswer.response }
        router.get("/health/ready", use: ready)
        router.get("/api/health", use: apiHealth)
    }

    public struct ReadyResponse: ResponseEncodable {
        public var status: String
        public var database: Bool
        public var redis: Bool
    }

    @Sendable public func ready(_ request: Request, context: Context) async throws -> EditedResponse<ReadyResponse> {
        let report = await health.check(logger: context.logger)
        return EditedResponse(
            status: report.isHealthy ? .ok : .serviceUnavailable,
            response: ReadyResponse(status: report.isHealthy ? "ready" : "unavailable", database: report.database, redis: report.redis)
        )
    }

    public struct APIHealthResponse: ResponseEncodable {
        public var status: String
        public var service: String
        public var version: String
        public var timestamp: String
        public var database: Bool
        public var redis: Bool
    }

    @Sendable public func apiHealth(_ request: Request, context: Context) async throws -> EditedResponse<APIHealthResponse> {
        let report = await health.check(logger: context.logger)
        return EditedResponse(
            status: report.isHealthy ? .ok : .serviceUnavailable,
            response: APIHealthResponse(
                status: report.isHealthy ? "healthy" : "unhealthy",
                service: service,
                version: Platform.version,
                timestamp: DisplayTime(timeZone: timeZone).string(from: Date()),
                database: report.database,
                redis: report.redis
            )
        )
    }
}
