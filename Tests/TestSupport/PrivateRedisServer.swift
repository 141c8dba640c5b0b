import Foundation
import NIOPosix

/// A `redis-server` of the test's own on a free loopback port, so a test can stop and restart it
/// without disturbing the shared test Redis.
public final class PrivateRedisServer: Sendable {
    public let port: Int
    private let directory: URL

    public init() throws {
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        // Tests call stop(); this only tidies the folder (a deinit must not block a thread).
        try? FileManager.default.removeItem(at: directory)
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server without persistence and waits until it accepts connections.
    public func start() async throws {
        let logFile = directory.appendingPathComponent("redis.log").path
        let result = try await ChildProcess.run("/usr/bin/redis-server", [
            "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
            "--save", "", "--appendonly", "no", "--daemonize", "yes",
            "--pidfile", directory.appendingPathComponent("redis.pid").path, "--logfile", logFile,
        ])
        if result.status == 0 {
            for _ in 0..<200 {
                if Self.accepts(port: port) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        // The server's own log says why (a port taken since freePort() checked it, say).
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? result.standardError
        throw CocoaError(.fileReadUnknown, userInfo: [
            NSLocalizedDescriptionKey: "redis-server did not start on port \(port) (exit \(result.status)): \(log.suffix(500))",
        ])
    }

    /// Stops the server; `SHUTDOWN` returns only once it has stopped listening.
    public func stop() async {
        _ = try? await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(port), "shutdown", "nosave"])
        for _ in 0..<100 where Self.accepts(port: port) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A free port below the kernel's ephemeral range (32768 and up), so the many outgoing
    /// connections of a parallel test run cannot take it between this check and the server's bind.
    private static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000...32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "no free port for a private redis-server"])
    }
}
