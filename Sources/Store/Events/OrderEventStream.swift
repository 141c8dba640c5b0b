import Foundation
import Logging
import NIOCore
import Redis

/// The live stream in Redis: one Stream whose entry ids are the events' positions
/// (`<position>-0`), each entry one ``PublishedOrderEvent`` as JSON, trimmed to about
/// `maxLength` entries. Postgres holds everything; this holds the recent past for fast fan-out.
public struct OrderEventStream: Sendable {
    /// The Stream's key (a blocking read of it must be on its node, in cluster mode).
    public static let key = "events:orders"
    static let publishScript = BundledScripts.load("events-publish")
    public let redis: RedisClient
    /// The `MAXLEN ~` bound: roughly how many recent events a resume can get from Redis.
    public let maxLength: Int

    public init(redis: RedisClient, maxLength: Int = 10_000) {
        self.redis = redis
        self.maxLength = maxLength
    }

    /// One entry as read back: its position and its JSON.
    public struct Entry: Sendable {
        public var position: Int64
        public var json: [UInt8]

        public init(position: Int64, json: [UInt8]) {
            self.position = position
            self.json = json
        }

        /// The event it carries.
        public func decoded() throws -> PublishedOrderEvent {
            try JSONDecoder().decode(PublishedOrderEvent.self, from: Data(json))
        }
    }

    /// Appends `events` (in position order) except those the stream already has; returns how many
    /// were added and the stream's last position afterwards.
    public func publish(_ events: [PublishedOrderEvent], logger: Logger) async throws -> (added: Int, last: Int64) {
        let encoder = JSONEncoder()
        var arguments: [any RESPArgument] = [maxLength]
        for event in events {
            arguments.append(String(event.position))
            arguments.append(String(decoding: try encoder.encode(event), as: UTF8.self))
        }
        let reply = try await redis.run(Self.publishScript, keys: [Self.key], arguments: arguments, logger: logger)
        let values = reply.array ?? []
        return (values.first?.int ?? 0, Int64(values.dropFirst().first?.int ?? 0))
    }

    /// The last position the stream holds; 0 when it is empty or gone.
    public func lastPosition(logger: Logger) async throws -> Int64 {
        let reply = try await redis.send(RedisCommand("XREVRANGE", Self.key, "+", "-", "COUNT", 1), logger: logger)
        return Self.entries(reply).last?.position ?? 0
    }

    /// Entries after `position` up to `last`, at most `count`.
    public func entries(after position: Int64, through last: Int64, count: Int, logger: Logger) async throws -> [Entry] {
        let reply = try await redis.send(
            RedisCommand("XRANGE", Self.key, "\(position + 1)-0", "\(last)-0", "COUNT", count), logger: logger)
        return Self.entries(reply)
    }

    /// Waits up to `block` on `connection` (a dedicated one) for entries after `position`.
    public static func read(
        after position: Int64, count: Int, block: Duration, on connection: RedisConnection
    ) async throws -> [Entry] {
        let milliseconds = Int(block.components.seconds * 1000 + block.components.attoseconds / 1_000_000_000_000_000)
        let reply = try await connection.send(
            RedisCommand("XREAD", "COUNT", count, "BLOCK", milliseconds, "STREAMS", key, "\(position)-0"),
            timeout: .milliseconds(Int64(milliseconds) + 5_000)
        )
        // [[key, [[id, [field, value]], ...]]], or null when nothing came.
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2 else { return [] }
        return entries(first[1])
    }

    /// The leading entries of `entries` whose positions follow `position` one by one: what a
    /// reader can take without asking Postgres whether a missing position was an event.
    public static func unbroken(_ entries: [Entry], after position: Int64) -> ArraySlice<Entry> {
        var expected = position + 1
        let count = entries.prefix { entry in
            defer { expected += 1 }
            return entry.position == expected
        }.count
        return entries.prefix(count)
    }

    /// Entries of an `XRANGE`-shaped reply.
    static func entries(_ reply: RESPValue) -> [Entry] {
        (reply.array ?? []).compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string,
                let position = Int64(id.prefix { $0 != "-" }), let fields = parts[1].array, fields.count >= 2,
                case .bulkString(let json) = fields[1]
            else { return nil }
            return Entry(position: position, json: json)
        }
    }
}
