import Foundation
import NIOCore

/// Where and how to reach Redis, parsed from `REDIS_URL` (`redis://[user][:password@]host[:port][/db]`).
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
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

    /// Parses a `redis://` URL; the error says what is wrong without echoing a password.
    public init(url: String) throws(URLError) {
        guard let components = URLComponents(string: url), components.scheme == "redis",
            let host = components.host, !host.isEmpty
        else {
            throw URLError(reason: "must look like redis://host:port/db")
        }
        self.init(host: host, port: components.port ?? 6379)
        if !components.path.isEmpty, components.path != "/" {
            guard let database = Int(components.path.dropFirst()), database >= 0 else {
                throw URLError(reason: "the database after / must be a number")
            }
            self.database = database
        }
        if let user = components.user, !user.isEmpty { self.username = user.removingPercentEncoding ?? user }
        if let password = components.password { self.password = password.removingPercentEncoding ?? password }
        if password == nil, let user = username {
            // `redis://secret@host` is the common shorthand for a password without a user.
            self.password = user
            self.username = nil
        }
    }
}
