import Foundation
import Logging
import Redis

/// Webhook endpoints below HTTP, admins only: keeping endpoints (each URL checked against the
/// network guard when it is saved, and again at every delivery), their secrets, and the log of
/// their deliveries with a retry of any failed one.
public struct WebhookOperations: Sendable {
    let endpoints: WebhookEndpointStore
    let ledger: DeliveryLedger
    let queue: JobQueue
    let network: NetworkAddressGuard
    /// How long a rotated-out secret keeps signing.
    let secretGrace: Duration

    public init(
        endpoints: WebhookEndpointStore, ledger: DeliveryLedger, redis: RedisClient, network: NetworkAddressGuard, secretGrace: Duration
    ) {
        self.endpoints = endpoints
        self.ledger = ledger
        self.queue = JobQueue(redis: redis, kind: .webhook)
        self.network = network
        self.secretGrace = secretGrace
    }

    /// Who keeps webhooks: admins.
    public func adminsOnly(_ actor: Actor) throws(Forbidden) {
        try Forbidden.unless(actor, is: .admin)
    }

    public func list(by actor: Actor, logger: Logger) async throws -> [WebhookEndpoint] {
        try adminsOnly(actor)
        return try await endpoints.list(logger: logger)
    }

    /// A new endpoint with its secret (shown this once).
    public func create(_ input: WebhookEndpointInput, by actor: Actor, logger: Logger) async throws -> (WebhookEndpoint, WebhookSecret) {
        try adminsOnly(actor)
        try await check(input, required: true)
        let now = Date()
        let secret = WebhookSecret.generate()
        let endpoint = WebhookEndpoint(
            id: UUIDv7.make(), url: input.url ?? "", eventTypes: input.eventTypes ?? [], active: input.active ?? true,
            description: input.description ?? "", createdAt: now, updatedAt: now)
        return (try await endpoints.create(endpoint, secret: secret, logger: logger), secret)
    }

    public func endpoint(_ id: UUID, by actor: Actor, logger: Logger) async throws -> WebhookEndpoint {
        try adminsOnly(actor)
        guard let endpoint = try await endpoints.find(id, logger: logger) else { throw Self.noSuchEndpoint }
        return endpoint
    }

    /// Changes the given fields (a new URL is checked as a new endpoint's is).
    public func update(_ id: UUID, _ changes: WebhookEndpointInput, by actor: Actor, logger: Logger) async throws -> WebhookEndpoint {
        try adminsOnly(actor)
        try await check(changes, required: false)
        guard let endpoint = try await endpoints.update(id, changes, logger: logger) else { throw Self.noSuchEndpoint }
        return endpoint
    }

    public func delete(_ id: UUID, by actor: Actor, logger: Logger) async throws {
        try adminsOnly(actor)
        guard try await endpoints.delete(id, logger: logger) else { throw Self.noSuchEndpoint }
    }

    /// A new secret (shown this once); the old one keeps signing for the grace period.
    public func rotateSecret(_ id: UUID, by actor: Actor, logger: Logger) async throws -> (WebhookEndpoint, WebhookSecret) {
        try adminsOnly(actor)
        let secret = WebhookSecret.generate()
        guard let endpoint = try await endpoints.rotate(id, to: secret, grace: secretGrace, logger: logger) else {
            throw Self.noSuchEndpoint
        }
        return (endpoint, secret)
    }

    /// An endpoint's deliveries, newest first.
    public func deliveries(_ id: UUID, page: Int, size: Int, by actor: Actor, logger: Logger) async throws -> Page<Delivery> {
        try adminsOnly(actor)
        guard try await endpoints.find(id, logger: logger) != nil else { throw Self.noSuchEndpoint }
        let (items, total) = try await ledger.deliveries(endpoint: id, offset: (page - 1) * size, size: size, logger: logger)
        return Page(items: items, total: total)
    }

    /// Sends a failed or dead delivery again now.
    public func retryDelivery(_ id: UUID, by actor: Actor, logger: Logger) async throws -> Delivery {
        try adminsOnly(actor)
        return try await ledger.retry(id, kind: .webhook, through: queue, logger: logger)
    }

    static let noSuchEndpoint = StoreError(.notFound, field: "webhook endpoint")

    /// The input's rules, then its URL's host against the network guard.
    func check(_ input: WebhookEndpointInput, required: Bool) async throws {
        var validator = InputValidator()
        let target = input.validate(required: required, allowPlainHTTP: network.allowPrivateNetworks, into: &validator)
        try validator.validate()
        guard let target, !network.allowPrivateNetworks else { return }
        do {
            _ = try await network.resolve(host: target.host, port: target.port)
        } catch {
            throw InvalidInput(field: "url", message: "may not be used: its host \(error.reason)")
        }
    }
}
