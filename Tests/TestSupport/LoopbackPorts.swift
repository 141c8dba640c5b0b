import Foundation
import Synchronization

/// Ports on 127.0.0.1 for the servers a test starts, and whether something listens on one.
public enum LoopbackPorts {
    /// Whether something accepts TCP connections on `port`.
    public static func accepts(_ port: Int) -> Bool {
        withLoopbackSocket(port: port) { fd, address, length in connect(fd, address, length) == 0 }
    }

    /// A free port below the kernel's ephemeral range (32768 and up), so the many outgoing
    /// connections of a parallel test run cannot take it between this check and the server's
    /// bind; handed out in turn, so two servers of one test process never get the same one
    /// (random picks did, now and then, in parallel runs).
    public static func free() throws -> Int {
        for _ in 0..<200 {
            let port = nextPort.withLock { next in
                defer { next = next >= 32_000 ? 20_000 : next + 1 }
                return next
            }
            let bound = withLoopbackSocket(port: port) { fd, address, length in bind(fd, address, length) }
            if bound == 0 { return port }
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "no free loopback port"])
    }

    private static let nextPort = Mutex(Int.random(in: 20_000...30_000))

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
}
