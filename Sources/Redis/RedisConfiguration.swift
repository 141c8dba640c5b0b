import Foundation
import NIOCore

/// Where and how to reach Redis, parsed from `REDIS_URL` (`redis://[user][:password@]host[:port][/db]`,
/// or `unix://[[user]:password@]/path/redis.sock[?db=N]` for a server on the same machine).
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// A Unix domain socket reached instead of `host` and `port`: on one machine it spares both
    /// sides the loopback TCP stack, a quarter of a short request's CPU time.
    public var socketPath: String?
    public var database: Int
    public var username: String?
    public var password: String?
    /// Multiplexed connections kept open; commands are pipelined over them.
    public var poolSize: Int
    public var connectTimeout: TimeAmount
    /// Default bound on one command's round trip.
    public var commandTimeout: TimeAmount
    /// Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`); empty: one server at `host:port`.
    public var clusterNodes: [RedisEndpoint] = []

    /// Whether commands are routed over a cluster's nodes.
    public var isCluster: Bool { !clusterNodes.isEmpty }

    /// The settings for one node of a cluster: its address, database 0 (a cluster has no other).
    func node(_ endpoint: RedisEndpoint) -> RedisConfiguration {
        var node = self
        node.host = endpoint.host
        node.port = endpoint.port
        node.socketPath = nil
        node.database = 0
        return node
    }

    public init(
        host: String = "127.0.0.1", port: Int = 6379, database: Int = 0,
        username: String? = nil, password: String? = nil, poolSize: Int = 4,
        connectTimeout: TimeAmount = .seconds(2), commandTimeout: TimeAmount = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Why a `redis://` URL was refused; never echoes a password.
    public struct URLError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Parses a `redis://` or `unix://` URL; the error says what is wrong without echoing a password.
    public init(url: String) throws(URLError) {
        guard let components = URLComponents(string: url), components.scheme == "redis" || components.scheme == "unix" else {
            throw URLError(reason: "must look like redis://host:port/db or unix:///path/redis.sock?db=N")
        }
        let database: String?
        if components.scheme == "unix" {
            guard components.host?.isEmpty ?? true, components.port == nil, components.path.hasPrefix("/"), components.path.count > 1
            else {
                throw URLError(reason: "must name the socket's absolute path after unix:// (unix:///path/redis.sock?db=N)")
            }
            self.init()
            socketPath = components.path
            database = components.queryItems?.first { $0.name == "db" }?.value
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw URLError(reason: "must look like redis://host:port/db or unix:///path/redis.sock?db=N")
            }
            self.init(host: host, port: components.port ?? 6379)
            database = components.path.isEmpty || components.path == "/" ? nil : String(components.path.dropFirst())
        }
        if let database {
            guard let number = Int(database), number >= 0 else {
                throw URLError(reason: "the database must be a number")
            }
            self.database = number
        }
        if let user = components.user, !user.isEmpty { self.username = user.removingPercentEncoding ?? user }
        if let password = components.password { self.password = password.removingPercentEncoding ?? password }
        if password == nil, let user = username {
            // `redis://secret@host` is the common shorthand for a password without a user.
            self.password = user
            self.username = nil
        }
    }

    /// Where the server is, for messages: its socket's path or `host:port`.
    var address: String { socketPath ?? "\(host):\(port)" }
}
