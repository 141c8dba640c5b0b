import Foundation
import NIOPosix
import Synchronization

/// A `redis-server` of the test's own on a free loopback port, so a test can stop and restart it
/// without disturbing the shared test Redis.
public final class PrivateRedisServer: Sendable {
    /// Chosen at init; moved to another free port if the server finds this one taken at start.
    private let chosenPort: Mutex<Int>
    private let directory: URL
    /// Whether ``stop()`` ran: until then the folder keeps the pidfile the run's cleanup reads.
    private let stopped = Mutex(false)

    public var port: Int { chosenPort.withLock { $0 } }

    public init() throws {
        chosenPort = Mutex(try LoopbackPorts.free())
        directory = try TestChildren.folder("redis-\(UUID().uuidString)")
    }

    deinit {
        // Tests call stop(); this only tidies the folder (a deinit must not block a thread).
        if stopped.withLock({ $0 }) { try? FileManager.default.removeItem(at: directory) }
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server without persistence and waits until it accepts connections. A port
    /// taken between the check and the server's bind (by a process outside this one) is traded
    /// for another, at most twice.
    public func start() async throws {
        for attempt in 1...3 {
            let logFile = directory.appendingPathComponent("redis.log").path
            unlink(logFile)
            let result = try await ChildProcess.run(
                "/usr/bin/redis-server",
                [
                    "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
                    "--save", "", "--appendonly", "no", "--daemonize", "yes",
                    "--pidfile", directory.appendingPathComponent("redis.pid").path, "--logfile", logFile,
                ])
            if result.status == 0 {
                for _ in 0..<200 {
                    if LoopbackPorts.accepts(port) { return }
                    if (try? String(contentsOfFile: logFile, encoding: .utf8))?.contains("aborting") == true { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            // The server's own log says why.
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? result.standardError
            if attempt < 3, log.contains("Address already in use") {
                let next = try LoopbackPorts.free()
                chosenPort.withLock { $0 = next }
                continue
            }
            throw CocoaError(
                .fileReadUnknown,
                userInfo: [
                    NSLocalizedDescriptionKey: "redis-server did not start on port \(port) (exit \(result.status)): \(log.suffix(500))"
                ])
        }
    }

    /// Runs `body` with a started server, and stops the server however `body` ends.
    public static func with<T: Sendable>(_ body: (PrivateRedisServer) async throws -> T) async throws -> T {
        let server = try PrivateRedisServer()
        try await server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops the server; `SHUTDOWN` returns only once it has stopped listening.
    public func stop() async {
        _ = try? await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(port), "shutdown", "nosave"])
        for _ in 0..<100 where LoopbackPorts.accepts(port) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        stopped.withLock { $0 = true }
    }
}
