import Foundation
import Postgres
import PostgresNIO
import ProcessSupport
import Redis
import TestSupport
import Testing

/// The stores reached through their Unix sockets (`DATABASE_URL` with `?host=/directory`,
/// `REDIS_URL` as `unix:///path`), as a gateway on the stores' machine may reach them: the test
/// stores listen on both (ops/local/stores.sh), and each test checks the server saw a socket.
@Suite(
    "Stores over Unix sockets", .timeLimit(.minutes(1)),
    .enabled(
        if: ProcessInfo.processInfo.environment["TEST_CHILDREN_DIR"] != nil,
        "needs ops/local/with-stores.sh (make test), which says where the sockets are"))
struct UnixSocketTests {
    @Test func postgresIsReachedThroughItsSocket() async throws {
        let directory = try #require(TestStores.postgresSocketDirectory, "with-stores.sh found no Postgres socket")
        let tcp = try #require(URLComponents(string: TestStores.databaseURL))
        let port = tcp.port ?? 5432
        let url = "postgres://\(tcp.user ?? "app")@:\(port)\(tcp.path)?host=\(directory)"
        #expect(try PostgresClient.Configuration(url: url).unixSocketPath == "\(directory)/.s.PGSQL.\(port)")
        let peer = try await TestStores.withDatabase(url: url) { database in
            try await database.query("SELECT inet_client_addr()::text", logger: TestStores.logger).first?.decode(String?.self)
        }
        // The client's address is NULL on a Unix socket (127.0.0.1 over TCP).
        #expect(peer == .some(nil))
    }

    @Test func redisIsReachedThroughItsSocket() async throws {
        let path = try #require(TestStores.redisSocket, "with-stores.sh found no Redis socket")
        let redis = RedisClient(configuration: try RedisConfiguration(url: "unix://\(path)?db=0"), logger: TestStores.logger)
        let info: String?
        do {
            info = try await redis.send("CLIENT", "INFO").string
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
        // A socket's client is listed at the socket's path (`addr=/…/redis.sock:0`), not an IP address.
        #expect(info?.contains("laddr=\(path):") == true, "\(info ?? "no reply")")
    }
}
