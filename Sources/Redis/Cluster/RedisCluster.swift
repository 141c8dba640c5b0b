import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The cluster mode of ``RedisClient``: a slot map read from the cluster, a pool per primary,
/// each command sent to the primary of its keys' slot, and the cluster's redirects followed.
///
/// A pipeline is split by node, the parts sent side by side, the replies put back in order. A
/// `MOVED` reply fixes the slot in the map, asks the cluster for its whole map again (a
/// resharding or a failover moves many slots) and sends the command where it now belongs; `ASK`
/// sends it once, after `ASKING`, to the node importing the slot; `TRYAGAIN` and `CLUSTERDOWN`
/// are waited out. Each command is tried at most ``maxAttempts`` times. A node that cannot be
/// reached is a reason to read the map again and retry (nothing was sent); a connection lost
/// with commands on it is thrown, as in single-node mode (they may have run).
final class RedisCluster: Sendable {
    let configuration: RedisConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var map = RedisClusterMap()
        var pools: [RedisEndpoint: RedisPool] = [:]
        var refreshedAt: NIODeadline?
        var isShutdown = false
    }

    /// Tries per command: redirects followed and reshaping waited out (50 ms doubling, 1.6 s in all).
    static let maxAttempts = 6

    init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    func shutdown() async {
        let pools = state.withLockedValue { state in
            state.isShutdown = true
            return Array(state.pools.values)
        }
        for pool in pools { await pool.close() }
    }

    // MARK: Commands

    /// Commands about a whole data set, sent to every primary (the first reply answers, the first
    /// error is thrown): a cluster's data is the sum of its primaries'.
    static let everyPrimary: Set<String> = ["FLUSHALL", "FLUSHDB"]

    /// Sends one command; a command of ``everyPrimary`` goes to each primary.
    func send(_ command: RedisCommand, timeout: TimeAmount?) async throws(RedisError) -> RESPValue {
        guard Self.everyPrimary.contains(command.name.uppercased()) else { return try await pipeline([command], timeout: timeout)[0] }
        if state.withLockedValue({ $0.map.isEmpty }) { try await refresh(force: true) }
        var first: RESPValue?
        for endpoint in state.withLockedValue({ $0.map.nodes }) {
            let reply = try await connection(to: endpoint).pipeline([command], timeout: timeout)[0]
            if case .error = reply { return reply }
            first = first ?? reply
        }
        return first ?? .null
    }

    /// Sends `commands`, each to its slot's primary, and returns their replies in order (error
    /// replies as values). Refuses, unsent, a command whose keys span slots.
    func pipeline(_ commands: [RedisCommand], timeout: TimeAmount?) async throws(RedisError) -> [RESPValue] {
        var slots: [Int?] = []
        slots.reserveCapacity(commands.count)
        for command in commands { slots.append(try command.slot()) }
        if state.withLockedValue({ $0.map.isEmpty }) { try await refresh(force: true) }
        var replies = [RESPValue](repeating: .null, count: commands.count)
        var asked: [Int: RedisEndpoint] = [:]
        var pending = Array(commands.indices)
        var unreachable: RedisError?
        for attempt in 1...Self.maxAttempts {
            let groups = try route(pending, slots: slots, asked: asked)
            let results = await send(groups, commands: commands, asked: asked, timeout: timeout)
            pending = []
            asked = [:]
            unreachable = nil
            var stale = false
            var wait = false
            for (indices, result) in results {
                switch result {
                case .failure(let error) where error.code == .connectionFailed:
                    // Nothing went out: the node may be gone (a failover), so the map is read again.
                    pending += indices
                    unreachable = error
                    stale = true
                case .failure(let error):
                    _ = try? await refresh(force: false)
                    throw error
                case .success(let values):
                    for (index, reply) in zip(indices, values) {
                        replies[index] = reply
                        guard case .error(let message) = reply, let redirect = RedisRedirect(message) else { continue }
                        pending.append(index)
                        switch redirect {
                        case .moved(let slot, let endpoint):
                            state.withLockedValue { $0.map[slot] = endpoint }
                            stale = true
                        case .ask(_, let endpoint): asked[index] = endpoint
                        case .tryAgain: wait = true
                        }
                    }
                }
            }
            if pending.isEmpty || attempt == Self.maxAttempts { break }
            if stale { _ = try? await refresh(force: false) }
            if wait || unreachable != nil { try? await Task.sleep(for: .milliseconds(25 << attempt)) }
        }
        if !pending.isEmpty, let unreachable { throw unreachable }
        return replies
    }

    /// A connection of its own to the primary of `key`'s slot (any primary without a key).
    ///
    /// The map is read again first (at most once per 100 ms): such a connection is opened again
    /// after the last one failed, and a blocking command's `MOVED` or a lost primary says nothing
    /// to the map the way a pooled command's would.
    func dedicatedConnection(for key: String?) async throws(RedisError) -> RedisConnection {
        let known = !state.withLockedValue { $0.map.isEmpty }
        if known { _ = try? await refresh(force: false) } else { try await refresh(force: true) }
        let endpoint = try route([0], slots: [key.map(RedisSlot.of)], asked: [:]).first!.key
        return try await RedisConnection.connect(configuration.node(endpoint), eventLoopGroup: eventLoopGroup)
    }

    /// The commands at `indices` grouped by the node each goes to.
    private func route(_ indices: [Int], slots: [Int?], asked: [Int: RedisEndpoint]) throws(RedisError) -> [RedisEndpoint: [Int]] {
        let routes = state.withLockedValue { state in
            let anyNode = state.map.nodes.first ?? configuration.clusterNodes.first
            return indices.map { index in (index, asked[index] ?? slots[index].flatMap { state.map[$0] } ?? anyNode) }
        }
        var groups: [RedisEndpoint: [Int]] = [:]
        for (index, endpoint) in routes {
            guard let endpoint else { throw RedisError(.connectionFailed, "no cluster node serves slot \(slots[index] ?? -1)") }
            groups[endpoint, default: []].append(index)
        }
        return groups
    }

    /// Sends each node its part, side by side; `ASKING` goes just before a command sent on `ASK`.
    private func send(
        _ groups: [RedisEndpoint: [Int]], commands: [RedisCommand], asked: [Int: RedisEndpoint], timeout: TimeAmount?
    ) async -> [(indices: [Int], result: Result<[RESPValue], RedisError>)] {
        if groups.count == 1, let (endpoint, indices) = groups.first {
            return [(indices, await send(indices, to: endpoint, commands: commands, asked: asked, timeout: timeout))]
        }
        return await withTaskGroup(of: (indices: [Int], result: Result<[RESPValue], RedisError>).self) { group in
            for (endpoint, indices) in groups {
                group.addTask {
                    (indices, await self.send(indices, to: endpoint, commands: commands, asked: asked, timeout: timeout))
                }
            }
            var results: [(indices: [Int], result: Result<[RESPValue], RedisError>)] = []
            for await result in group { results.append(result) }
            return results
        }
    }

    private func send(
        _ indices: [Int], to endpoint: RedisEndpoint, commands: [RedisCommand], asked: [Int: RedisEndpoint], timeout: TimeAmount?
    ) async -> Result<[RESPValue], RedisError> {
        var batch: [RedisCommand] = []
        var positions: [Int] = []
        for index in indices {
            if asked[index] != nil { batch.append(RedisCommand("ASKING")) }
            positions.append(batch.count)
            batch.append(commands[index])
        }
        do throws(RedisError) {
            let replies = try await connection(to: endpoint).pipeline(batch, timeout: timeout)
            return .success(positions.map { replies[$0] })
        } catch {
            return .failure(error)
        }
    }

    // MARK: Nodes and the map

    private func connection(to endpoint: RedisEndpoint) async throws(RedisError) -> RedisConnection {
        let pool: RedisPool? = state.withLockedValue { state in
            guard !state.isShutdown else { return nil }
            let pool =
                state.pools[endpoint]
                ?? RedisPool(configuration: configuration.node(endpoint), size: configuration.poolSize, eventLoopGroup: eventLoopGroup)
            state.pools[endpoint] = pool
            return pool
        }
        guard let pool else { throw RedisError(.shutdown, "client is shut down") }
        return try await pool.connection()
    }

    /// Reads the slot map from the first node that answers (those it knows, then the seeds); at
    /// most once per 100 ms unless `force`, so a burst of `MOVED` replies asks once.
    func refresh(force: Bool) async throws(RedisError) {
        let candidates: [RedisEndpoint]? = state.withLockedValue { state in
            if !force, let at = state.refreshedAt, NIODeadline.now() - at < .milliseconds(100) { return nil }
            state.refreshedAt = .now()
            return state.map.nodes + configuration.clusterNodes.filter { !state.map.nodes.contains($0) }
        }
        guard let candidates else { return }
        var failure = RedisError(.connectionFailed, "no cluster node is configured")
        for endpoint in candidates {
            do throws(RedisError) {
                let reply = try await connection(to: endpoint).send(RedisCommand("CLUSTER", "SLOTS"))
                let map = try RedisClusterMap(slots: reply, answeredBy: endpoint)
                guard !map.isEmpty else {
                    failure = RedisError(.server, "CLUSTERDOWN \(endpoint) serves no slot")
                    continue
                }
                state.withLockedValue { $0.map = map }
                return
            } catch {
                failure = error
            }
        }
        logger.warning("could not read the cluster's slot map", metadata: failure.logMetadata)
        throw failure
    }
}
