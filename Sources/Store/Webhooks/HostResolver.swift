import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a host name (or an address literal) into the addresses to connect to. The webhook
/// guard checks exactly what this returns, and deliveries connect to exactly that.
public protocol HostResolver: Sendable {
    func resolve(host: String, port: Int) async throws -> [SocketAddress]
}

/// The system's resolver (`getaddrinfo`), run on NIO's blocking-I/O thread pool.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        // An address literal needs no lookup (and `[::1]` loses its brackets).
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = try? SocketAddress(ipAddress: name, port: port) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive { try Self.addresses(host: name, port: port) }
    }

    /// Every address `getaddrinfo` gives for a stream socket (NIO's own lookup keeps the first).
    static func addresses(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &info)
        guard code == 0 else { throw SocketAddressError.unknown(host: host, port: port) }
        defer { freeaddrinfo(info) }
        var addresses: [SocketAddress] = []
        var next = info
        while let entry = next {
            if let raw = UnsafeRawPointer(entry.pointee.ai_addr) {
                switch entry.pointee.ai_family {
                case AF_INET: addresses.append(SocketAddress(raw.load(as: sockaddr_in.self), host: host))
                case AF_INET6: addresses.append(SocketAddress(raw.load(as: sockaddr_in6.self), host: host))
                default: break
                }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }
}
