import Foundation
import Redis

/// A Redis Cluster of the test's own on loopback: six `redis-server` processes in cluster mode
/// (three primaries, a replica each) joined by `redis-cli --cluster create`.
public final class PrivateRedisCluster: Sendable {
    /// Each node's client port and cluster-bus port (chosen free, not port + 10,000, which may be
    /// in the kernel's ephemeral range).
    public let ports: [(client: Int, bus: Int)]
    /// A folder per node (`redis-…/redis.pid`: the run's cleanup stops what a crash left running).
    private let folders: [URL]

    public init(nodes: Int = 6) throws {
        ports = try (0..<nodes).map { _ in (try LoopbackPorts.free(), try LoopbackPorts.free()) }
        let name = "redis-cluster-\(UUID().uuidString.prefix(8))"
        folders = try ports.map { try TestChildren.folder("\(name)-\($0.client)") }
    }

    /// Every node as `host:port`, the value of `REDIS_CLUSTER_NODES`.
    public var nodes: String { ports.map { "127.0.0.1:\($0.client)" }.joined(separator: ",") }

    public var endpoints: [RedisEndpoint] { ports.map { RedisEndpoint(host: "127.0.0.1", port: $0.client) } }

    /// Starts the nodes, creates the cluster, and waits until every node says it is whole.
    public func start() async throws {
        for ((client, bus), folder) in zip(ports, folders) {
            let result = try await ChildProcess.run(
                "/usr/bin/redis-server",
                [
                    "--bind", "127.0.0.1", "--port", String(client), "--cluster-enabled", "yes", "--cluster-port", String(bus),
                    "--cluster-config-file", folder.appendingPathComponent("nodes.conf").path, "--cluster-node-timeout", "2000",
                    // Replicas copy their primary at once (not after Redis's 5 s default), so one
                    // can take over from the start.
                    "--repl-diskless-sync-delay", "0",
                    "--dir", folder.path, "--save", "", "--appendonly", "no", "--daemonize", "yes",
                    "--pidfile", folder.appendingPathComponent("redis.pid").path,
                    "--logfile", folder.appendingPathComponent("redis.log").path,
                ])
            guard result.status == 0 else { throw failure("redis-server on \(client) exited \(result.status): \(result.standardError)") }
        }
        for (client, _) in ports {
            var waited = 0
            while !LoopbackPorts.accepts(client) {
                guard waited < 200 else { throw failure("redis-server on \(client) never listened") }
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
        }
        let create = try await ChildProcess.run(
            "/usr/bin/redis-cli",
            ["--cluster", "create"] + ports.map { "127.0.0.1:\($0.client)" } + ["--cluster-replicas", "1", "--cluster-yes"])
        guard create.status == 0 else { throw failure("redis-cli --cluster create exited \(create.status): \(create.standardError)") }
        try await waitUntilWhole()
        try await waitForReplicas()
    }

    /// Waits until every replica has copied its primary: a replica that never has cannot be
    /// promoted when its primary dies.
    func waitForReplicas(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        for endpoint in endpoints {
            while true {
                let info = (try? await send(RedisCommand("INFO", "replication"), to: endpoint).string) ?? ""
                if info.contains("role:master") || info.contains("master_link_status:up") { break }
                guard ContinuousClock.now < deadline else { throw failure("the replica on \(endpoint) never copied its primary") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Waits until every node reports `cluster_state:ok` and the same three primaries.
    public func waitUntilWhole(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await isWhole() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw failure("the cluster did not become whole within \(timeout)")
    }

    private func isWhole() async -> Bool {
        var maps: Set<String> = []
        for endpoint in endpoints {
            guard let info = try? await send(RedisCommand("CLUSTER", "INFO"), to: endpoint).string, info.contains("cluster_state:ok"),
                let slots = try? await send(RedisCommand("CLUSTER", "SLOTS"), to: endpoint).array
            else { return false }
            maps.insert(
                slots.compactMap { $0.array.map { "\($0[0].int ?? -1)-\($0[1].int ?? -1)@\($0[2].array?[1].int ?? -1)" } }.sorted().joined(
                    separator: ","))
        }
        return maps.count == 1
    }

    /// A primary: where it listens, its node id and the slots it serves.
    public struct Primary: Sendable {
        public var endpoint: RedisEndpoint
        public var id: String
        public var slots: [ClosedRange<Int>]
    }

    /// The primaries, as the first node that answers `CLUSTER SLOTS` says.
    public func primaries() async throws -> [Primary] {
        var failure: (any Error)?
        for endpoint in endpoints {
            let ranges: [RESPValue]
            do {
                ranges = try await send(RedisCommand("CLUSTER", "SLOTS"), to: endpoint).array ?? []
            } catch {
                failure = error
                continue
            }
            var primaries: [Primary] = []
            for range in ranges {
                guard let fields = range.array, fields.count >= 3, let start = fields[0].int, let end = fields[1].int,
                    let node = fields[2].array, node.count >= 3, let port = node[1].int, let id = node[2].string
                else { continue }
                if let index = primaries.firstIndex(where: { $0.id == id }) {
                    primaries[index].slots.append(start...end)
                } else {
                    primaries.append(Primary(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), id: id, slots: [start...end]))
                }
            }
            return primaries
        }
        throw failure ?? CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no node answered"])
    }

    /// The primary serving `slot`.
    public func primary(of slot: Int) async throws -> Primary {
        guard let primary = try await primaries().first(where: { $0.slots.contains { $0.contains(slot) } }) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no node serves slot \(slot)"])
        }
        return primary
    }

    /// Moves `slot` with its keys from its primary to `target` as `redis-cli --cluster reshard`
    /// does (importing and migrating states, `MIGRATE` a batch of keys at a time, then the slot
    /// given to `target` on every primary), pausing `pause` between batches so that clients meet
    /// the slot mid-migration.
    public func move(slot: Int, to target: Primary, batch: Int = 5, pause: Duration = .milliseconds(20)) async throws {
        let source = try await primary(of: slot)
        guard source.id != target.id else { return }
        try await send(RedisCommand("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id), to: target.endpoint)
        try await send(RedisCommand("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id), to: source.endpoint)
        while true {
            let keys =
                try await send(RedisCommand("CLUSTER", "GETKEYSINSLOT", slot, batch), to: source.endpoint).array?.compactMap(\.string) ?? []
            if keys.isEmpty { break }
            try await send(
                RedisCommand("MIGRATE", ["127.0.0.1", target.endpoint.port, "", 0, 5000, "KEYS"] + keys), to: source.endpoint)
            try await Task.sleep(for: pause)
        }
        for primary in try await primaries() + [target] {
            try await send(RedisCommand("CLUSTER", "SETSLOT", slot, "NODE", target.id), to: primary.endpoint)
        }
    }

    /// Sends one command to one node over a connection of its own.
    @discardableResult
    public func send(_ command: RedisCommand, to endpoint: RedisEndpoint) async throws -> RESPValue {
        let connection = try await RedisConnection.connect(RedisConfiguration(host: endpoint.host, port: endpoint.port))
        do {
            let reply = try await connection.send(command)
            await connection.close()
            return reply
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Stops every node that still runs.
    public func stop() async {
        for (client, _) in ports {
            _ = try? await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(client), "shutdown", "nosave"])
        }
    }

    /// Runs `body` with a started cluster, and stops it however `body` ends.
    public static func with<T: Sendable>(_ body: (PrivateRedisCluster) async throws -> T) async throws -> T {
        let cluster = try PrivateRedisCluster()
        do {
            try await cluster.start()
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private func failure(_ text: String) -> Error {
        CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: text])
    }
}
