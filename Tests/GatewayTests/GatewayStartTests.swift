import Foundation
import ProcessSupport
import Redis
import Store
import TestSupport
import Testing

@testable import Gateway

/// What a gateway checks before it serves.
@Suite("Gateway start", .timeLimit(.minutes(2)))
struct GatewayStartTests {
    /// A gateway with another `JOB_PARTITIONS` than the count the workers recorded refuses to
    /// serve (its jobs would land in partitions no worker claims); with the same count, none
    /// recorded yet, or Redis away, it serves.
    @Test func aGatewayWithAnotherPartitionCountThanTheWorkersRefusesToServe() async throws {
        try await PrivateRedisServer.with { server in
            let redis = RedisClient(configuration: try RedisConfiguration(url: server.url), logger: TestStores.logger)
            let logger = TestStores.logger
            try await requireWorkersPartitionCount(JobQueues(redis: redis, partitions: 16), logger: logger)
            #expect(try await redis.send("EXISTS", "jobs:{layout}:partitions").int == 0, "a gateway records nothing")
            try await redis.send("SET", "jobs:{layout}:partitions", 64)
            let refused = await #expect(throws: ConfigurationError.self) {
                try await requireWorkersPartitionCount(JobQueues(redis: redis, partitions: 16), logger: logger)
            }
            #expect(refused?.key == "JOB_PARTITIONS")
            try await requireWorkersPartitionCount(JobQueues(redis: redis, partitions: 64), logger: logger)
            await redis.shutdown()
        }
        // Redis away: not checked.
        let away = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1/0"), logger: TestStores.logger)
        try await requireWorkersPartitionCount(JobQueues(redis: away, partitions: 16), logger: TestStores.logger)
        await away.shutdown()
    }
}
