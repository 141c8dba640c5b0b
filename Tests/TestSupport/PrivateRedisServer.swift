import Foundation
import NIOPosix
import Synchronization

/// A `redis-server` of the test's own on a free loopback port, so a test can stop and restart it
/// without disturbing the shared test Redis.
public final class PrivateRedisServer: Sendable {
    /// Chosen at init; moved to another free port if the server finds this one taken at start.
    private let chosenPort: Mutex<Int>
    private let directory: URL

    public var port: Int { chosenPort.withLock { $0 } }

    public init() throws {
        chosenPort = Mutex(try Self.freePort())
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        // Tests call stop(); this only tidies the folder (a deinit must not block a thread).
        try? FileManager.default.removeItem(at: directory)
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server without persistence and waits until it accepts connections. A port
    /// taken between the check and the server's bind (by a process outside this one) is traded
    /// for another, at most twice.
    public func start() async throws {
        for attempt in 1...3 {
            let logFile = directory.appendingPathComponent("redis.log").path
            unlink(logFile)
            let result = try await ChildProcess.run("/usr/bin/redis-server", [
                "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
                "--save", "", "--appendonly", "no", "--daemonize", "yes",
                "--pidfile", directory.appendingPathComponent("redis.pid").path, "--logfile", logFile,
            ])
            if result.status == 0 {
                for _ in 0..<200 {
                    if Self.accepts(port: port) { return }
                    if (try? String(contentsOfFile: logFile, encoding: .utf8))?.contains("aborting") == true { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            // The server's own log says why.
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? result.standardError
            if attempt < 3, log.contains("Address already in use") {
                let next = try Self.freePort()
                chosenPort.withLock { $0 = next }
                continue
            }
            throw CocoaError(.fileReadUnknown, userInfo: [
                NSLocalizedDescriptionKey: "redis-server did not start on port \(port) (exit \(result.status)): \(log.suffix(500))",
            ])
        }
    }

    /// Stops the server; `SHUTDOWN` returns only once it has stopped listening.
    public func stop() async {
        _ = try? await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", String(port), "shutdown", "nosave"])
        for _ in 0..<100 where Self.accepts(port: port) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func accepts(port: Int) -> Bool {
        withLoopbackSocket(port: port) { fd, address, length in connect(fd, address, length) == 0 }
    }

    /// Runs `body` with a new TCP socket and the address 127.0.0.1:`port`; closes the socket after.
    private static func withLoopbackSocket<T>(port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// The next port to try: handed out in turn, so two servers of one test process never get
    /// the same one (random picks did, now and then, in parallel runs).
    private static let nextPort = Mutex(Int.random(in: 20_000...30_000))

    /// A free port below the kernel's ephemeral range (32768 and up), so the many outgoing
    /// connections of a parallel test run cannot take it between this check and the server's bind.
    private static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = nextPort.withLock { next in
                defer { next = next >= 32_000 ? 20_000 : next + 1 }
                return next
            }
            let bound = withLoopbackSocket(port: port) { fd, address, length in bind(fd, address, length) }
            if bound == 0 { return port }
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "no free port for a private redis-server"])
    }
}
