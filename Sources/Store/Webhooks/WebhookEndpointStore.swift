import Foundation
import Logging
import Postgres
import PostgresNIO

/// Webhook endpoints and their secrets in Postgres.
public struct WebhookEndpointStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "id, url, event_types, active, description, created_at, updated_at"

    /// The secrets that sign an endpoint's deliveries now: its current one, and its previous one
    /// while a rotation's grace period lasts.
    public struct Secrets: Sendable, Equatable {
        public var current: WebhookSecret
        public var previous: WebhookSecret?
    }

    public func create(_ endpoint: WebhookEndpoint, secret: WebhookSecret, logger: Logger) async throws -> WebhookEndpoint {
        let rows = try await database.query(
            """
            INSERT INTO webhook_endpoints (id, url, event_types, active, description, secret)
            VALUES (\(endpoint.id), \(endpoint.url), \(endpoint.eventTypes), \(endpoint.active), \(endpoint.description), \(secret.text))
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let created = try rows.first.map(Self.endpoint) else { throw StoreError(.notFound, field: "webhook endpoint") }
        return created
    }

    public func list(logger: Logger) async throws -> [WebhookEndpoint] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM webhook_endpoints ORDER BY created_at, id", logger: logger)
            .map(Self.endpoint)
    }

    public func find(_ id: UUID, logger: Logger) async throws -> WebhookEndpoint? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM webhook_endpoints WHERE id = \(id)", logger: logger)
            .first.map(Self.endpoint)
    }

    /// Applies the given fields; nil when there is no such endpoint.
    public func update(_ id: UUID, _ changes: WebhookEndpointInput, logger: Logger) async throws -> WebhookEndpoint? {
        try await database.query(
            """
            UPDATE webhook_endpoints SET
                url = coalesce(\(changes.url), url),
                event_types = coalesce(\(changes.eventTypes)::text[], event_types),
                active = coalesce(\(changes.active), active),
                description = coalesce(\(changes.description), description),
                updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger
        ).first.map(Self.endpoint)
    }

    /// Deletes the endpoint and its deliveries; false when there was none.
    public func delete(_ id: UUID, logger: Logger) async throws -> Bool {
        try await !database.query("DELETE FROM webhook_endpoints WHERE id = \(id) RETURNING id", logger: logger).isEmpty
    }

    /// Replaces the secret; the old one keeps signing for `grace`. Nil when there is no such endpoint.
    public func rotate(_ id: UUID, to secret: WebhookSecret, grace: Duration, logger: Logger) async throws -> WebhookEndpoint? {
        try await database.query(
            """
            UPDATE webhook_endpoints SET
                previous_secret = secret, secret = \(secret.text),
                previous_secret_until = now() + \(Double(grace.components.seconds)) * interval '1 second', updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger
        ).first.map(Self.endpoint)
    }

    /// The endpoints with the secrets that sign for them now (a batch's, in one statement); the
    /// ones gone are left out.
    public func signing(_ ids: [UUID], logger: Logger) async throws -> [UUID: (endpoint: WebhookEndpoint, secrets: Secrets)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns), secret,
                   CASE WHEN previous_secret_until > now() THEN previous_secret END AS previous_secret
            FROM webhook_endpoints WHERE id = ANY(\(ids))
            """, logger: logger)
        var found: [UUID: (endpoint: WebhookEndpoint, secrets: Secrets)] = [:]
        for row in rows {
            let endpoint = try Self.endpoint(row)
            let (current, previous) = try (row.decode(String.self, column: "secret"), row.decode(String?.self, column: "previous_secret"))
            guard let secret = WebhookSecret(current) else { continue }
            found[endpoint.id] = (endpoint, Secrets(current: secret, previous: previous.flatMap(WebhookSecret.init)))
        }
        return found
    }

    /// Turns an endpoint off (it answered 410 Gone).
    public func deactivate(_ id: UUID, logger: Logger) async throws {
        try await database.query("UPDATE webhook_endpoints SET active = false, updated_at = now() WHERE id = \(id)", logger: logger)
    }

    static func endpoint(_ row: DatabaseRow) throws -> WebhookEndpoint {
        let (id, url, types, active, description, createdAt, updatedAt) = try row.decode(
            (UUID, String, [String], Bool, String, Date, Date).self)
        return WebhookEndpoint(
            id: id, url: url, eventTypes: types, active: active, description: description, createdAt: createdAt, updatedAt: updatedAt)
    }
}
