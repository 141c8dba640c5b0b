import AsyncHTTPClient
import Logging
import NIOCore
import NIOPosix

/// HTTP clients that connect each host only to the address the network guard checked (the TLS
/// name stays the host's), one per (host, address) and reused while the name keeps resolving to
/// it; the least recently used go when there are too many. Redirects are never followed.
actor PinnedHTTPClients {
    private var clients: [String: (client: HTTPClient, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var closed = false
    let limit: Int
    let connectTimeout: TimeAmount

    init(limit: Int = 32, connectTimeout: TimeAmount = .seconds(5)) {
        self.limit = limit
        self.connectTimeout = connectTimeout
    }

    /// The client for `host` pinned to `address`.
    func client(host: String, address: SocketAddress) async throws -> HTTPClient {
        guard !closed else { throw HTTPClientError.alreadyShutdown }
        let ip = address.ipAddress ?? host
        let key = host + "|" + ip
        clock += 1
        if let existing = clients[key] {
            clients[key] = (existing.client, clock)
            return existing.client
        }
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: connectTimeout, read: .seconds(15)))
        configuration.dnsOverride = [host: ip]
        configuration.connectionPool.idleTimeout = .seconds(30)
        let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
        clients[key] = (client, clock)
        if clients.count > limit, let oldest = clients.min(by: { $0.value.used < $1.value.used }) {
            clients[oldest.key] = nil
            try? await oldest.value.client.shutdown()
        }
        return client
    }

    /// Closes every client (the worker is stopping).
    func shutdown() async {
        closed = true
        for (_, entry) in clients { try? await entry.client.shutdown() }
        clients = [:]
    }
}
