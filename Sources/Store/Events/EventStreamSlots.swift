import Foundation
import Logging
import Redis

/// The per-user cap on open event streams, across every gateway: one sorted set per user of
/// stream ids, each slot renewed at every heartbeat and lapsing when its gateway stops renewing.
public struct EventStreamSlots: Sendable {
    static let script = BundledScripts.load("events-slot")
    let redis: RedisClient
    /// Open streams a user may have.
    public let cap: Int
    /// How long a slot lives without a renewal.
    public let ttl: Duration

    public init(redis: RedisClient, cap: Int, ttl: Duration) {
        self.redis = redis
        self.cap = cap
        self.ttl = ttl
    }

    static func key(_ user: UUID) -> String { "events:streams:\(user.lowercasedString)" }

    func call(user: UUID, stream: String) -> ScriptCall {
        ScriptCall(Self.script, keys: [Self.key(user)], arguments: [stream, Int(ttl.components.seconds * 1000), cap])
    }

    /// Takes a slot for `stream`; false when `user` has `cap` streams open already.
    public func take(user: UUID, stream: String, logger: Logger) async throws -> Bool {
        try await redis.run(Self.script, keys: [Self.key(user)], arguments: call(user: user, stream: stream).arguments, logger: logger)
            .int == 1
    }

    /// Renews the slots of open streams, in one round trip.
    public func renew(_ streams: [(user: UUID, stream: String)], logger: Logger) async throws {
        guard !streams.isEmpty else { return }
        _ = try await redis.run(streams.map { call(user: $0.user, stream: $0.stream) }, logger: logger)
    }

    /// Gives the slot back (best effort: an unreleased slot lapses by itself).
    public func release(user: UUID, stream: String, logger: Logger) async {
        _ = try? await redis.send(RedisCommand("ZREM", Self.key(user), stream), logger: logger)
    }
}
