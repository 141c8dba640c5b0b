import Foundation
import NIOCore
import NIOPosix

/// Which addresses a webhook may reach: the public internet only, unless private networks are
/// allowed (development and tests). Loopback, private (RFC 1918, unique local), link-local (and
/// with it the cloud metadata address 169.254.169.254), CGNAT, unspecified, multicast, reserved
/// and documentation ranges are refused, also when an IPv6 address embeds one of them.
public struct NetworkAddressGuard: Sendable {
    public let allowPrivateNetworks: Bool
    let resolver: any HostResolver

    public init(allowPrivateNetworks: Bool, resolver: any HostResolver = SystemHostResolver()) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.resolver = resolver
    }

    /// Why `address` may not be reached, or nil when it may.
    public func refusal(for address: SocketAddress) -> String? {
        guard !allowPrivateNetworks else { return nil }
        return Self.category(of: address).map { "resolves to a \($0) address" }
    }

    /// The addresses `host` resolves to now, each checked; throws ``Refused`` when it resolves to
    /// none, or to any address a webhook may not reach (every address is refused then, so a name
    /// with one public and one private address cannot be used to reach the private one).
    public func resolve(host: String, port: Int) async throws(Refused) -> [SocketAddress] {
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.resolve(host: host, port: port)
        } catch {
            throw Refused(reason: "does not resolve")
        }
        guard !addresses.isEmpty else { throw Refused(reason: "does not resolve") }
        for address in addresses {
            if let reason = refusal(for: address) { throw Refused(reason: reason) }
        }
        return addresses
    }

    /// A host a webhook may not reach, and why.
    public struct Refused: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The kind of non-public network `address` belongs to, nil for a public address.
    public static func category(of address: SocketAddress) -> String? {
        switch address {
        case .v4(let v4):
            return category(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            return category(ipv6: bytes)
        case .unixDomainSocket:
            return "local"
        }
    }

    static func category(ipv4 value: UInt32) -> String? {
        func within(_ network: UInt32, _ bits: UInt32) -> Bool {
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            return value & mask == network & mask
        }
        func ip(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 { a << 24 | b << 16 | c << 8 | d }
        if within(ip(127, 0, 0, 0), 8) { return "loopback" }
        if within(ip(169, 254, 169, 254), 32) { return "metadata" }
        if within(ip(169, 254, 0, 0), 16) { return "link-local" }
        if within(ip(10, 0, 0, 0), 8) || within(ip(172, 16, 0, 0), 12) || within(ip(192, 168, 0, 0), 16) { return "private" }
        if within(ip(100, 64, 0, 0), 10) { return "shared (CGNAT)" }
        if within(ip(0, 0, 0, 0), 8) { return "unspecified" }
        if within(ip(224, 0, 0, 0), 4) { return "multicast" }
        if within(ip(240, 0, 0, 0), 4) { return "reserved" }
        if within(ip(192, 0, 0, 0), 24) || within(ip(198, 18, 0, 0), 15) { return "reserved" }
        if within(ip(192, 0, 2, 0), 24) || within(ip(198, 51, 100, 0), 24) || within(ip(203, 0, 113, 0), 24) {
            return "documentation"
        }
        return nil
    }

    static func category(ipv6 bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return "reserved" }
        let embedded = { UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15]) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? "loopback" : "unspecified" }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d):
        // the IPv4 address inside decides.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return category(ipv4: embedded()) }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return category(ipv4: embedded()) }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return category(ipv4: embedded()) }
        if bytes[0] == 0xfd && bytes[1] == 0x00 && bytes[2] == 0x0e && bytes[3] == 0xc2 { return "metadata" }  // fd00:ec2::/32
        if bytes[0] & 0xfe == 0xfc { return "private" }  // fc00::/7
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "link-local" }  // fe80::/10
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return "private" }  // fec0::/10, deprecated site-local
        if bytes[0] == 0xff { return "multicast" }
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return "documentation" }
        // 6to4 (2002::/16) carries an IPv4 address in bytes 2...5.
        if bytes[0] == 0x20 && bytes[1] == 0x02 {
            return category(ipv4: UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5]))
        }
        return nil
    }
}
